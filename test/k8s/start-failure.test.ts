/** A control plane that cannot start says which component failed, shows its log, and leaves nothing running. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startControlPlane } from './control-plane/control-plane.js';
import { descendantPids } from './host-processes.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it.runIf(!process.env.RCK_E2E_KUBECONFIG)(
  'names the component that did not come up and stops the ones that did',
  async () => {
    const emptyBinDir = await mkdtemp(join(tmpdir(), 'rck-k8s-nobin-'));
    const workDir = await mkdtemp(join(tmpdir(), 'rck-k8s-fail-'));
    dirs.push(emptyBinDir, workDir);
    const started = startControlPlane({ binDir: emptyBinDir, workDir });
    await expect(started).rejects.toThrow(/kube-apiserver exited .* before becoming healthy/);
    // etcd had come up; it must be gone again.
    expect([...(await descendantPids())]).toEqual([]);
  },
  60_000,
);

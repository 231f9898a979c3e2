/**
 * The operator as `rck render operator` deploys it, from the image scripts/build-image.sh
 * builds (the process kubelet runs the pod's container chrooted into the unpacked image, as
 * its non-root user, with the read-only root the Deployment asks for): a Deployment running
 * with its ServiceAccount and the least-privilege ClusterRole (in-cluster config), keeping a
 * RedisCluster until Ready. A missing permission shows up here as a cluster never Ready.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../src/manifests/crd.js';
import { renderOperator } from '../../src/manifests/operator.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import type { ClusterStatus } from '../../src/platform/kubernetes/status.js';
import { DEFAULT_IMAGE } from '../../src/version.js';
import { type K8sTestEnv, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { imageEntrypoint } from './kubelet/oci.js';
import { podLine, warningEvents } from './cluster-view.js';
import { ensureOperatorImage } from './operator-image.js';
import { waitFor } from './wait.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'shop';
let env: K8sTestEnv;

beforeAll(async () => {
  if (process.env.RCK_E2E_KUBECONFIG) return;
  // The kubelet has the image as `kind load` would leave it: pods naming it run the unpacked image.
  const image = await ensureOperatorImage();
  env = await startK8sTestEnv({ images: [await imageEntrypoint(image)] });
}, 60 * 60_000);
afterAll(async () => env?.stop(), 180_000);

describe.skipIf(Boolean(process.env.RCK_E2E_KUBECONFIG))('the operator deployed in the cluster', { timeout: 300_000 }, () => {
  it('runs under its ServiceAccount and least-privilege RBAC, and brings a RedisCluster to Ready', async () => {
    const core = env.kc.makeApiClient(CoreV1Api);
    // Exactly the default bundle: its image is the one the script tags.
    await new Applier(env.kc).applyAll(renderOperator({ namespace: 'rck-system' }));
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await waitForDefaultServiceAccount(env.kc, NS);
    const custom = env.kc.makeApiClient(CustomObjectsApi);
    const t0 = Date.now();
    await waitFor('RedisCluster created', async () =>
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'RedisCluster',
          metadata: { name: 'cart' },
          spec: { kubernetes: { antiAffinity: 'required' }, replicasPerMaster: 0 },
        },
      }),
    );
    const diagnose = async () => {
      const pods = (await core.listPodForAllNamespaces()).items.map(podLine);
      const warnings = await warningEvents(core, NS).catch(() => []);
      const op = (await core.listNamespacedPod({ namespace: 'rck-system' })).items[0];
      const log =
        op && env.kubelet
          ? await import('node:fs/promises').then((fs) => fs.readFile(env.kubelet!.logFile('rck-system', op.metadata!.name!, 'operator'), 'utf8')).catch(() => '')
          : '';
      return [...pods, ...warnings, log.slice(-3000)].join('\n');
    };
    const status = await waitFor(
      'cart Ready',
      async () => {
        const o = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'cart' })) as {
          status?: ClusterStatus;
        };
        return o.status?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? o.status : undefined;
      },
      180_000,
      diagnose,
    );
    console.error(`[k8s operator in cluster] 3x0 Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after the RedisCluster was created (operator start included)`);
    expect(status).toMatchObject({ phase: 'Ready', readyMembers: 3, shards: 3 });
    // Events are best effort (never stop healing), so check the RBAC for them here.
    const events = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=cart' })).items;
    expect(events.map((e) => e.reason)).toContain('Create');
    expect(await diagnose()).not.toMatch(/forbidden/i);

    // Each operator process is the image's, not the checkout's: its root is the unpacked image.
    const pods = await waitFor('both operator replicas running', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'rck-system' })).items;
      return items.length === 2 && items.every((p) => p.status?.containerStatuses?.[0]?.state?.running) ? items : undefined;
    });
    for (const pod of pods) expectRunsFromImage(pod);
    // Prometheus scrapes /metrics at the pod's IP (the Service of `rck render monitoring`); the web view is not there.
    const leader = await waitFor('an operator serving cart at its pod IP', async () => {
      for (const pod of pods) {
        const text = await fetch(`http://${pod.status!.podIP}:9108/metrics`)
          .then((r) => (r.ok ? r.text() : ''))
          .catch(() => '');
        if (text.includes('rck_cluster_ready{namespace="shop",cluster="cart"} 1')) return pod;
      }
      return undefined;
    });
    expect((await fetch(`http://${leader.status!.podIP}:9108/`)).status).toBe(404);
  });
});

/** Through /proc/<pid>/root, what the container process sees as "/": the image, as its user. */
function expectRunsFromImage(pod: V1Pod): void {
  const c = pod.status?.containerStatuses?.[0];
  expect(c?.image).toBe(DEFAULT_IMAGE);
  const pid = Number(/^rck-process:\/\/(\d+)$/.exec(c?.containerID ?? '')?.[1]);
  expect(pid, `${pod.metadata?.name} has a process`).toBeGreaterThan(0);
  const root = `/proc/${pid}/root`;
  // /metrics on the pod's own IP ($(POD_IP) expanded by the kubelet), the web view on loopback.
  expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual([
    '/usr/local/bin/node',
    '/app/bin/rck',
    'operator',
    '--metrics-address',
    `[${pod.status!.podIP}]:9108`,
    '--web-address',
    '127.0.0.1:9109',
  ]);
  expect(existsSync(`${root}/app/dist/cli/main.js`)).toBe(true);
  expect(existsSync(`${root}${REPO}`), 'the checkout is not visible inside').toBe(false);
  expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
  // readOnlyRootFilesystem: the root mount is read-only inside the container.
  const mounts = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((l) => l.split(' '));
  expect(mounts.find((f) => f[4] === '/' && /overlay/.test(f.join(' ')))?.[5]).toMatch(/^ro\b/);
}

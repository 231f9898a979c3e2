/**
 * The process kubelet's image parts without a control plane: an OCI archive made here by
 * hand (two layers, the upper one deleting a file and making a directory opaque) unpacks as a
 * container runtime would, and a container of an unpacked image gets the image's entrypoint,
 * Cmd and user unless the pod overrides them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerArgv } from './kubelet/command.js';
import { imageEntrypoint, unpackOciArchive } from './kubelet/oci.js';
import { checkRunAsNonRoot, containerIdentity } from './kubelet/security.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rck-oci-test-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes blob content into layout/blobs/sha256 and returns its descriptor. */
async function blob(layout: string, mediaType: string, content: Buffer | string) {
  const digest = createHash('sha256').update(content).digest('hex');
  await writeFile(join(layout, 'blobs/sha256', digest), content);
  return { mediaType, digest: `sha256:${digest}`, size: Buffer.byteLength(content) };
}

/** A layer tar of the files under `tree` (relative paths -> content). */
async function layer(name: string, tree: Record<string, string>): Promise<Buffer> {
  const src = join(dir, name);
  for (const [path, content] of Object.entries(tree)) {
    await mkdir(join(src, path, '..'), { recursive: true });
    await writeFile(join(src, path), content);
  }
  await run('tar', ['-cf', `${src}.tar`, '-C', src, '--numeric-owner', '--owner=0', '--group=0', '.']);
  return readFile(`${src}.tar`);
}

describe('an OCI image archive', () => {
  it('unpacks layer over layer, with whiteouts and opaque directories applied', async () => {
    const layout = join(dir, 'layout');
    await mkdir(join(layout, 'blobs/sha256'), { recursive: true });
    const lower = await layer('l1', {
      'etc/passwd': 'root:x:0:0::/:/x\napp:x:1001:1002::/:/x\n',
      'app/old.js': 'old',
      'app/keep.js': 'keep',
      'data/a': 'a',
      'data/b': 'b',
    });
    const upper = await layer('l2', { 'app/.wh.old.js': '', 'data/.wh..wh..opq': '', 'data/c': 'c', 'app/new.js': 'new' });
    const layers = [await blob(layout, 'application/vnd.oci.image.layer.v1.tar', lower), await blob(layout, 'application/vnd.oci.image.layer.v1.tar', upper)];
    const config = await blob(
      layout,
      'application/vnd.oci.image.config.v1+json',
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { User: 'app', Entrypoint: ['/bin/app'], Cmd: ['serve'], WorkingDir: '/app', Env: ['A=1'] },
      }),
    );
    const manifest = await blob(layout, 'application/vnd.oci.image.manifest.v1+json', JSON.stringify({ schemaVersion: 2, config, layers }));
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'localhost/app:1' } }],
      }),
    );
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await run('tar', ['-cf', join(dir, 'app.tar'), '-C', layout, '.']);

    const img = await unpackOciArchive(join(dir, 'app.tar'), join(dir, 'unpacked'));
    expect(img.ref).toBe('localhost/app:1');
    const has = (p: string) => existsSync(join(img.rootfs, p));
    expect([has('app/keep.js'), has('app/new.js'), has('app/old.js'), has('app/.wh.old.js')]).toEqual([true, true, false, false]);
    expect([has('data/a'), has('data/b'), has('data/c'), has('data/.wh..wh..opq')]).toEqual([false, false, true, false]);

    // USER by name resolves through the image's /etc/passwd.
    const m = await imageEntrypoint(img);
    expect(m.rootfs?.user).toEqual({ uid: 1001, gid: 1002 });
    expect(m.image.test('localhost/app:1')).toBe(true);
    expect(m.image.test('localhost/app:10')).toBe(false);

    const envs = new Map<string, string>();
    expect(containerArgv({ name: 'c', image: 'localhost/app:1' }, envs, [m])).toEqual(['/bin/app', 'serve']);
    expect(containerArgv({ name: 'c', image: 'localhost/app:1', args: ['--version'] }, envs, [m])).toEqual(['/bin/app', '--version']);
    // Inside the image, paths are the image's: nothing is mapped to this machine.
    expect(containerArgv({ name: 'c', image: 'localhost/app:1', command: ['/usr/local/bin/x'] }, envs, [m])).toEqual(['/usr/local/bin/x']);

    const pod = { spec: { containers: [], securityContext: { runAsNonRoot: true } } } as unknown as V1Pod;
    expect(containerIdentity(pod, { name: 'c' }, m.rootfs!.user)).toEqual({ uid: 1001, gid: 1002, groups: [] });
    expect(containerIdentity(pod, { name: 'c', securityContext: { runAsUser: 7 } }, m.rootfs!.user)).toEqual({ uid: 7, gid: 7, groups: [] });
    expect(() => checkRunAsNonRoot(pod, { name: 'c' }, containerIdentity(pod, { name: 'c' }, { uid: 0, gid: 0 }))).toThrow(/runAsNonRoot and image will run as root/);
  });
});

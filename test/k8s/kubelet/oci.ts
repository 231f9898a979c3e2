/**
 * Unpacking an OCI image archive (what scripts/build-image.sh writes) into a root filesystem,
 * as a container runtime does: index -> manifest -> config and layers, each layer extracted
 * in order with its whiteouts applied (`.wh.NAME` deletes NAME from the layers below,
 * `.wh..wh..opq` empties its directory). The process kubelet runs containers of such an
 * image chrooted into the result (see sandbox.ts).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { ImageEntrypoint } from './command.js';

const run = promisify(execFile);

/** The parts of an OCI image config that decide how a container runs. */
export interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface UnpackedImage {
  /** The image's name as tagged (org.opencontainers.image.ref.name), e.g. localhost/rck:0.1.0. */
  ref: string;
  rootfs: string;
  config: ImageConfig;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
}

const blobPath = (dir: string, d: Descriptor) => join(dir, 'blobs', ...d.digest.split(':'));
const readJson = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

/** Unpacks `archive` into `dest` (which must not exist): dest/rootfs and the image's config. */
export async function unpackOciArchive(archive: string, dest: string): Promise<UnpackedImage> {
  await mkdir(dest, { recursive: true });
  const layout = await mkdtemp(join(dest, '.layout-'));
  try {
    await run('tar', ['-xf', archive, '-C', layout]);
    const index = await readJson<{ manifests: Descriptor[] }>(join(layout, 'index.json'));
    if (index.manifests.length !== 1) throw new Error(`${archive}: expected one image, found ${index.manifests.length}`);
    const top = index.manifests[0]!;
    const manifest = await readJson<{ config: Descriptor; layers: Descriptor[] }>(blobPath(layout, top));
    const config = await readJson<{ config?: ImageConfig; os?: string }>(blobPath(layout, manifest.config));
    const rootfs = join(dest, 'rootfs');
    await mkdir(rootfs);
    for (const layer of manifest.layers) await applyLayer(blobPath(layout, layer), rootfs);
    return { ref: top.annotations?.['org.opencontainers.image.ref.name'] ?? '', rootfs, config: config.config ?? {} };
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}

/** One layer over the layers below: deletions first, then the layer's own files (tar detects gzip). */
async function applyLayer(layer: string, rootfs: string): Promise<void> {
  const { stdout } = await run('tar', ['-tf', layer], { maxBuffer: 256 << 20 });
  for (const entry of stdout.split('\n').filter(Boolean)) {
    const name = basename(entry);
    if (!name.startsWith('.wh.')) continue;
    const dir = join(rootfs, normalize(`/${dirname(entry)}`));
    if (name === '.wh..wh..opq') {
      for (const child of await readdir(dir).catch(() => [])) await rm(join(dir, child), { recursive: true, force: true });
    } else await rm(join(dir, name.slice('.wh.'.length)), { recursive: true, force: true });
  }
  // Numeric owners: the layer's uids, not whatever names this machine maps them to.
  await run('tar', ['-xf', layer, '-C', rootfs, '--numeric-owner', '--same-permissions', '--exclude=.wh.*']);
}

/** uid and gid of an image's USER ("uid", "uid:gid"); names are resolved in the image's /etc/passwd. */
export async function imageUser(img: UnpackedImage): Promise<{ uid: number; gid: number }> {
  const [user = '0', group] = (img.config.User || '0').split(':');
  const passwd = await readFile(join(img.rootfs, 'etc/passwd'), 'utf8').catch(() => '');
  const entry = passwd
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === user || f[2] === user);
  const uid = /^\d+$/.test(user) ? Number(user) : Number(entry?.[2] ?? NaN);
  if (Number.isNaN(uid)) throw new Error(`image ${img.ref}: user ${user} is not in its /etc/passwd`);
  const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : Number(entry?.[3] ?? uid);
  return { uid, gid };
}

/** The process kubelet's mapping for an unpacked image: pods naming `img.ref` run it chrooted into its rootfs. */
export async function imageEntrypoint(img: UnpackedImage): Promise<ImageEntrypoint> {
  const escaped = img.ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    image: new RegExp(`^${escaped}$`),
    entrypoint: img.config.Entrypoint ?? [],
    rootfs: { path: img.rootfs, cmd: img.config.Cmd ?? [], env: img.config.Env ?? [], workingDir: img.config.WorkingDir || '/', user: await imageUser(img) },
  };
}

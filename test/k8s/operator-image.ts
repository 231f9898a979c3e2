/**
 * The rck image for the Kubernetes tier: built by scripts/build-image.sh and unpacked once
 * per content, cached outside the repository in ${XDG_CACHE_HOME:-~/.cache}/rck/image/<key>/
 * (rck.tar, rootfs/, image.json). The key hashes every file the image is made of (sources,
 * lock file, the script) and this machine's node binary, so a changed source builds a new
 * image and an unchanged one costs a hash. Test files that need it at the same time share
 * one build through a lock directory.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type UnpackedImage, unpackOciArchive } from './kubelet/oci.js';
import { sleep } from './process.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheRoot = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rck', 'image');
const INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-image.sh', 'bin', 'src'];
const UNUSED_FOR_MS = 2 * 24 * 3600_000;

export interface CachedImage extends UnpackedImage {
  archive: string;
  /** Bytes of the unpacked root filesystem. */
  unpackedBytes: number;
  /** True when this call built it. */
  built: boolean;
}

async function filesUnder(path: string): Promise<string[]> {
  const s = await stat(path);
  if (!s.isDirectory()) return [path];
  const entries = await readdir(path);
  return (await Promise.all(entries.sort().map((e) => filesUnder(join(path, e))))).flat();
}

/** Content key of the image: every input file's path and bytes, and the node binary it copies. */
export async function imageKey(): Promise<string> {
  const h = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of await filesUnder(join(repoRoot, input))) {
      h.update(`${relative(repoRoot, file)}\0`);
      h.update(await readFile(file));
    }
  }
  const node = realpathSync(process.execPath);
  const s = statSync(node);
  h.update(`node ${node} ${s.size} ${s.mtimeMs} ${process.version}`);
  return h.digest('hex').slice(0, 24);
}

async function load(dir: string, built: boolean): Promise<CachedImage> {
  const meta = JSON.parse(await readFile(join(dir, 'image.json'), 'utf8')) as { ref: string; config: UnpackedImage['config']; unpackedBytes: number };
  const now = new Date();
  await utimes(join(dir, 'image.json'), now, now); // last used, for pruning
  return { ref: meta.ref, config: meta.config, rootfs: join(dir, 'rootfs'), archive: join(dir, 'rck.tar'), unpackedBytes: meta.unpackedBytes, built };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The image of the current sources, built and unpacked unless cached. */
export async function ensureOperatorImage(progress: (line: string) => void = (l) => console.error(`[image] ${l}`)): Promise<CachedImage> {
  const key = await imageKey();
  const root = cacheRoot();
  const dir = join(root, key);
  const lock = `${dir}.lock`;
  await mkdir(root, { recursive: true });
  for (;;) {
    if (existsSync(join(dir, 'image.json'))) return load(dir, false);
    try {
      await mkdir(lock);
    } catch {
      const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
      // A holder that died leaves its lock: take it over. A live one (another test file): wait for its build.
      if (!Number.isNaN(holder) && !alive(holder)) await rm(lock, { recursive: true, force: true });
      else await sleep(500);
      continue;
    }
    try {
      await writeFile(join(lock, 'pid'), String(process.pid));
      return await build(key, root, dir, progress);
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

async function build(key: string, root: string, dir: string, progress: (line: string) => void): Promise<CachedImage> {
  const tmp = join(root, `.${key}.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  try {
    const t0 = Date.now();
    progress(`building the rck image (scripts/build-image.sh) into ${dir}`);
    await run(join(repoRoot, 'scripts/build-image.sh'), [join(tmp, 'rck.tar')], { timeout: 15 * 60_000, maxBuffer: 64 << 20 }).catch((e: Error & { stderr?: string }) => {
      throw new Error(`scripts/build-image.sh failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
    });
    const img = await unpackOciArchive(join(tmp, 'rck.tar'), tmp);
    const { stdout } = await run('du', ['-sb', img.rootfs]);
    const unpackedBytes = Number(stdout.split('\t')[0]);
    await writeFile(join(tmp, 'image.json'), JSON.stringify({ ref: img.ref, config: img.config, unpackedBytes }));
    await rename(tmp, dir);
    progress(`built ${img.ref} in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${(unpackedBytes / 2 ** 20).toFixed(0)} MiB unpacked`);
    await prune(root, key);
    return load(dir, true);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Images of other sources unused for two days go; recent ones may be in use by another checkout. */
async function prune(root: string, keep: string): Promise<void> {
  for (const entry of await readdir(root)) {
    // A build whose process died left its temporary directory.
    const builder = /\.tmp-(\d+)$/.exec(entry);
    if (builder && !alive(Number(builder[1]))) await rm(join(root, entry), { recursive: true, force: true });
    if (entry === keep || entry.startsWith('.') || entry.endsWith('.lock')) continue;
    const used = await stat(join(root, entry, 'image.json')).then(
      (s) => s.mtimeMs,
      () => 0,
    );
    if (Date.now() - used > UNUSED_FOR_MS) await rm(join(root, entry), { recursive: true, force: true });
  }
}

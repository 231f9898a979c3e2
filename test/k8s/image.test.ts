/**
 * The rck image as scripts/build-image.sh writes it (built here, or reused from the cache
 * keyed by content): an OCI archive tagged as `rck render operator` names it, a non-root
 * user, production dependencies only, under 250 MB unpacked, and an entrypoint that prints
 * the version when run from the unpacked image with a read-only root, as the process
 * kubelet runs the operator's pod. Starts no control plane.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE, VERSION } from '../../src/version.js';
import { imageEntrypoint } from './kubelet/oci.js';
import { startSandbox } from './kubelet/sandbox.js';
import { type CachedImage, ensureOperatorImage } from './operator-image.js';

let img: CachedImage;
let dir: string;

/** Runs argv in the unpacked image as the kubelet would (its user, env, workdir); returns exit code and output. */
async function runInImage(argv: string[] | undefined, readOnly: boolean) {
  const m = await imageEntrypoint(img);
  const root = m.rootfs!;
  const log = join(dir, `run-${Math.random().toString(36).slice(2)}.log`);
  const p = await startSandbox({
    identity: { ...root.user, groups: [] },
    image: { rootfs: root.path, scratch: `${log}.root`, readOnly },
    argv: argv ?? m.entrypoint,
    env: new Map(root.env.map((kv) => kv.split('=', 2) as [string, string])),
    mounts: [],
    hostname: 'rck-image-test',
    workingDir: root.workingDir,
    logFile: log,
  });
  const { code } = await p.exited;
  return { code, output: await readFile(log, 'utf8') };
}

describe.skipIf(Boolean(process.env.RCK_E2E_KUBECONFIG))('the rck image', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    img = await ensureOperatorImage();
    dir = await mkdtemp(join(tmpdir(), 'rck-image-test-'));
  }, 20 * 60_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is an OCI archive tagged as render operator names it, non-root, under 250 MB unpacked', () => {
    const mib = img.unpackedBytes / 2 ** 20;
    console.error(`[image] ${img.ref}: ${mib.toFixed(1)} MiB unpacked (${img.built ? 'built now' : 'from the cache'})`);
    expect(img.ref).toBe(DEFAULT_IMAGE);
    expect(img.config.User).toBe('65532:65532');
    expect(img.config.Entrypoint).toEqual(['/usr/local/bin/node', '/app/bin/rck']);
    expect(img.config.Labels?.['org.opencontainers.image.version']).toBe(VERSION);
    expect(img.unpackedBytes).toBeLessThan(250e6);
  });

  it('holds the production dependencies and the compiled CLI, nothing else of the checkout', () => {
    const app = join(img.rootfs, 'app');
    for (const present of ['bin/rck', 'dist/cli/main.js', 'package.json', 'node_modules/@kubernetes/client-node', 'node_modules/ioredis']) {
      expect(existsSync(join(app, present)), present).toBe(true);
    }
    for (const absent of ['src', 'test', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/vite']) {
      expect(existsSync(join(app, absent)), absent).toBe(false);
    }
  });

  it('its entrypoint prints the version, as the non-root user, with a read-only root filesystem', async () => {
    const r = await runInImage([...img.config.Entrypoint!, '--version'], true);
    expect(r).toEqual({ code: 0, output: `${VERSION}\n` });
    const who = await runInImage(['/usr/local/bin/node', '-e', 'console.log(process.getuid(), process.getgid(), process.cwd())'], true);
    expect(who.output.trim()).toBe('65532 65532 /app');
  });

  it('runs with the read-only root enforced: a write fails there', async () => {
    const write = ['/usr/local/bin/node', '-e', 'require("fs").writeFileSync("/tmp/probe", "x")'];
    const ro = await runInImage(write, true);
    expect(ro.code).not.toBe(0);
    expect(ro.output).toContain('EROFS');
    // The same write succeeds on a writable root: the failure above is the read-only mount, not the user.
    expect((await runInImage(write, false)).code).toBe(0);
  });
});

/**
 * `rck up` through bin/rck, as a user runs it: from the startup snapshots that `npm run build`
 * made (the CLI's and the supervisor's), and from the compiled code when they are turned off or
 * were made for another dist/ (a moved checkout). Which one ran is read from each process's
 * command line.
 */
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness } from '../support/local-cluster.js';
import { RCK_BIN } from '../support/rck.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const commandLine = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();

/** Runs `up` in the foreground with `bin`; returns both processes' command lines once it is healthy, then stops it. */
async function upThrough(bin: string, h: LocalClusterHarness, env: Record<string, string> = {}): Promise<{ cli: string; supervisor: string }> {
  const { child, exited, output } = await h.upInForeground([bin], env);
  try {
    expect(output()).toContain('up and healthy');
    const { pid } = JSON.parse(await readFile(join(h.stateDir, 'supervisor.json'), 'utf8')) as { pid: number };
    const lines = { cli: await commandLine(child.pid!), supervisor: await commandLine(pid) };
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    return lines;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('rck up and its startup snapshots', () => {
  let h: LocalClusterHarness;
  let moved: string | undefined;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'snap' });
  });
  afterAll(async () => {
    await h?.cleanup();
    if (moved) await rm(moved, { recursive: true, force: true });
  });

  it('the CLI and the supervisor start from the snapshots npm run build made', async () => {
    const { cli, supervisor } = await upThrough(RCK_BIN, h);
    expect(cli).toMatch(/--snapshot-blob \S*\/dist\/snapshot\/up\.blob up -f/);
    expect(supervisor).toMatch(/--lite-mode --snapshot-blob \S*\/dist\/snapshot\/supervisor\.blob \S*\/supervisor-main\.js$/);
  });

  it('RCK_NO_SNAPSHOT=1: both run the compiled code', async () => {
    const { cli, supervisor } = await upThrough(RCK_BIN, h, { RCK_NO_SNAPSHOT: '1' });
    expect(cli).toMatch(/\/dist\/cli\/main\.js up -f/);
    expect(cli).not.toContain('--snapshot-blob');
    expect(supervisor).toMatch(/--lite-mode \S*\/supervisor-main\.js$/);
    expect(supervisor).not.toContain('--snapshot-blob');
  });

  it('a copy of the checkout elsewhere does not use snapshots made for the original dist/', async () => {
    moved = await mkdtemp(join(tmpdir(), 'rck-moved-'));
    await Promise.all([cp(join(REPO, 'bin'), join(moved, 'bin'), { recursive: true }), cp(join(REPO, 'dist'), join(moved, 'dist'), { recursive: true, preserveTimestamps: true })]);
    await Promise.all([symlink(join(REPO, 'node_modules'), join(moved, 'node_modules')), cp(join(REPO, 'package.json'), join(moved, 'package.json'))]);
    const { cli, supervisor } = await upThrough(join(moved, 'bin', 'rck'), h);
    expect(cli).toContain(`${moved}/bin/../dist/cli/main.js up -f`);
    expect(supervisor).toMatch(new RegExp(`--lite-mode ${moved}/dist/platform/local/supervisor-main\\.js$`));
  });
});

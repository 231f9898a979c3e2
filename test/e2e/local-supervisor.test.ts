/**
 * The supervisor process: foreground `rck up` stops everything on Ctrl-C (SIGINT) and
 * keeps the data. (A supervisor that is killed: data-safety-supervisor.test.ts.)
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, pidAlive } from '../support/local-cluster.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('supervisor process', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'sup' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('foreground up: healthy, then SIGINT stops supervisor and members, data kept', async () => {
    const child = spawn(process.execPath, [MAIN, 'up', '-f', h.specFile], {
      env: { ...process.env, RCK_STATE_HOME: h.home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!out.includes('up and healthy') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('up and healthy');
      const s = await h.status();
      expect(s.health.healthy).toBe(true);
      const pids = [s.supervisor!.pid, ...s.members.map((m) => m.pid!)];
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('stopped');
      for (const pid of pids) expect(pidAlive(pid)).toBe(false);
      expect((await h.status()).members.every((m) => !m.up)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

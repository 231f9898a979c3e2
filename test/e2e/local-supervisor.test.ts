/**
 * The supervisor process: foreground `rck up` stops everything on Ctrl-C (SIGINT) and
 * keeps the data. (A supervisor that is killed: data-safety-supervisor.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, pidAlive } from '../support/local-cluster.js';

describe('supervisor process', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'sup' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('foreground up: healthy, then SIGINT stops supervisor and members, data kept', async () => {
    const { child, exited, output } = await h.upInForeground();
    try {
      expect(output()).toContain('up and healthy');
      const s = await h.status();
      expect(s.health.healthy).toBe(true);
      const pids = [s.supervisor!.pid, ...s.members.map((m) => m.pid!)];
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output()).toContain('stopped');
      for (const pid of pids) expect(pidAlive(pid)).toBe(false);
      expect((await h.status()).members.every((m) => !m.up)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

/**
 * Issue 12, item 6: `rck down` stops the cluster whatever state its members are in:
 * here one member crash-loops in BackOff (its configuration became invalid) and
 * another supervisor-less member was left running by a killed supervisor.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, pidAlive } from '../support/local-cluster.js';

describe('rck down', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'down-loop' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('stops a supervisor whose member crash-loops in BackOff, and all 6 members', async () => {
    const s = await h.upReady();
    // The next start of any member fails: Redis rejects the directive.
    await appendFile(join(h.stateDir, 'redis.conf'), 'bogus-directive yes\n');
    process.kill(h.member(s, `${h.name}-1`).pid!, 'SIGKILL');
    await h.waitFor('a BackOff', async () => (await h.events()).some((e) => e.reason === 'BackOff' && e.member === `${h.name}-1`));
    const pids = [s.supervisor!.pid, ...s.members.map((m) => m.pid!)];
    expect(pids.length).toBe(7);

    const down = await h.rck(['down', '--name', h.name]);
    expect(down.code).toBe(0);
    expect(pids.filter(pidAlive)).toEqual([]);
    const after = await h.status();
    expect(after.supervisor).toBeNull();
    expect(after.members.filter((m) => m.up).map((m) => m.name)).toEqual([]);
  });
});

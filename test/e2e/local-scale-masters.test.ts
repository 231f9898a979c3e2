/**
 * Scaling masters from the spec on the local platform: 3 -> 4 -> 3 with `rck scale`,
 * while the consistency workload writes; every key verified one by one after each step.
 */
import { readFile } from 'node:fs/promises';
import type { ConsistencyReport } from '../../src/workload/consistency.js';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalClusterHarness, pidAlive } from '../support/local-cluster.js';
import { consistencyWorkload, expectShape, missingKeys, writeKeys } from '../support/scale-checks.js';

let h: LocalClusterHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('rck scale: masters', () => {
  it('3 -> 4 -> 3 masters under load: slots spread and drained, members added and retired, no key or acknowledged write lost', async () => {
    h = await LocalClusterHarness.create();
    const start = await h.upReady();
    const expected = await writeKeys(h, start, 3000, 'scale');
    const w = await consistencyWorkload(h, start);
    let report: ConsistencyReport | undefined;
    try {
      let t0 = Date.now();
      const out = await h.ok(['scale', '--masters', '4', '-f', h.specFile]);
      console.log(`[scale 3->4] ${Date.now() - t0} ms: ${out.stdout.trim()}`);
      const four = await h.status();
      expectShape(four, 4, 1);
      const slots = four.members.filter((m) => m.role === 'master').map((m) => m.slots);
      expect(Math.min(...slots)).toBeGreaterThanOrEqual(4000);
      expect(await readFile(h.specFile, 'utf8')).toMatch(/masters: 4/);
      expect(await missingKeys(h, four, expected)).toEqual([]);
      const mid = w.snapshot();
      console.log(`[scale 3->4] lost acknowledged writes ${mid.lostWrites}, write errors ${mid.writeErrors}, longest write outage ${mid.longestWriteOutageMs} ms`);
      expect(mid.lostWrites).toBe(0);

      t0 = Date.now();
      await h.ok(['scale', '--masters', '3', '-f', h.specFile]);
      console.log(`[scale 4->3] ${Date.now() - t0} ms`);
      const three = await h.status();
      expectShape(three, 3, 1);
      expect(three.members.map((m) => m.name).sort()).toEqual(['redis-app-0', 'redis-app-1', 'redis-app-2', 'redis-app-3', 'redis-app-4', 'redis-app-5']);
      expect(await missingKeys(h, three, expected)).toEqual([]);
      const actions = (await h.events()).map((e) => e.reason);
      for (const a of ['SetMemberCount', 'JoinMaster', 'MoveSlots', 'Retire']) expect(actions).toContain(a);
      report = await w.stop();
    } finally {
      if (!report) await w.stop().catch(() => undefined); // the workload stops however the test ends
    }
    console.log(
      `[scale 3->4->3] ${report.opsPerSec} ops/s, lost acknowledged writes ${report.lostWrites}, write errors ${report.writeErrors}, ` +
        `longest write outage ${report.longestWriteOutageMs} ms, ${report.keysChecked} counters checked`,
    );
    expect(report.lostWrites).toBe(0);
    expect(report.writes).toBeGreaterThan(0);
  });

  it('a supervisor killed in the middle of a scale-out: the next rck up finishes it, every key kept', async () => {
    h = await LocalClusterHarness.create();
    const start = await h.upReady();
    const expected = await writeKeys(h, start, 2000, 'crash');
    const supervisor = h.pids()[0]!;
    await h.ok(['scale', '--masters', '4', '--no-wait', '--name', start.cluster]);
    await h.waitFor('the new members created', (s) => s.members.length === 8);
    process.kill(supervisor, 'SIGKILL');
    while (pidAlive(supervisor)) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await h.ok(['up', '--detach', '--name', start.cluster]);
    const s = await h.waitFor('4x1 and Ready', (st) => h!.ready(st) && st.members.filter((m) => m.role === 'master').length === 4, 90_000);
    console.log(`[scale, supervisor killed] 4x1 Ready ${Date.now() - t0} ms after the next up`);
    expectShape(s, 4, 1);
    expect(await missingKeys(h, s, expected)).toEqual([]);
  });
});

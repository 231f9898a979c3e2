/**
 * The engine matrix's reshard: 2,000 slots move between masters that have a replica each
 * (on Valkey 8 every SETSLOT then waits for the replica) while the consistency workload
 * writes and reads back: no acknowledged write is lost, no key is lost or duplicated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import { engineTag } from '../support/engine.js';
import { runRck } from '../support/rck.js';
import { type ScaleCluster, scaleCluster, slotsOf } from '../support/scale.js';
import { cleanReport, verifyKeys } from '../support/verify-keys.js';

let clusters: ScaleCluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  clusters = [];
});

describe('reshard under load', () => {
  it(`moves 2,000 slots between masters with replicas under the consistency workload: nothing lost${engineTag}`, async () => {
    const c = await scaleCluster(3, 1, 0, 3000);
    clusters.push(c);
    const [m0, m1, m2] = c.set.addresses as [string, string, string];
    const before = await slotsOf(m0);
    const writer = startConsistencyWorkload({ nodes: c.set.nodes.map((n) => ({ host: n.host, port: n.port })), keys: 300, workers: 4, prefix: 'w' });
    const r = await runRck(['reshard', c.seed, '--to', m0, '--slots', '2000', '--yes', '--json']);
    const w = await writer.stop();
    expect(r.stderr).not.toMatch(/^rck:/m);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: true, slotsMoved: 2000 });
    expect(await slotsOf(m0)).toBe(before + 2000);
    expect((await slotsOf(m1)) + (await slotsOf(m2))).toBe(16384 - before - 2000);
    expect(w.writes).toBeGreaterThan(0);
    expect(w.lostWrites).toBe(0);
    expect(w.unreadableKeys).toBe(0);
    expect(w.writeErrors).toBe(0);

    await expect.poll(async () => (await runRck(['check', c.seed])).code, { timeout: 15_000, interval: 200 }).toBe(0);
    const report = await verifyKeys(c.all(), c.expected);
    // The writer's own keys are there too; only the loaded ones are counted.
    expect({
      ...report,
      total: report.total - report.unexpected.filter((k) => k.startsWith('w:')).length,
      unexpected: report.unexpected.filter((k) => !k.startsWith('w:')),
    }).toEqual(cleanReport(3000));
  });
});

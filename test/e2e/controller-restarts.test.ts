/**
 * Self-healing on the local platform, with the controller running inside the
 * supervisor: a full restart on new addresses, and planned restarts (one master,
 * then a rolling restart of every member) under the consistency workload.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { type ConsistencyReport, startConsistencyWorkload } from '../../src/workload/consistency.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';
import { passwordProfile } from '../../src/redis/profile.js';

let h: LocalClusterHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function upSeed(): Promise<StatusJson> {
  h = await LocalClusterHarness.create();
  return h.upReady();
}

async function workload(s: StatusJson) {
  return startConsistencyWorkload({ nodes: s.members.map((m) => parseAddress(m.address)), profile: passwordProfile(await h!.password()), keys: 200, workers: 4 });
}

describe('controller on the local platform: restarts', () => {
  it('all members killed at once come back on new addresses: the controller re-introduces them, same ids, no key lost', async () => {
    const before = await upSeed();
    const client = await h!.client(before);
    const keys = Array.from({ length: 1000 }, (_, i) => `full:${i}`);
    for (const k of keys) await client.set(k, `v-${k}`);
    client.disconnect();
    const ids = new Map(before.members.map((m) => [m.name, m.nodeId]));

    await Promise.all(before.members.map((m) => h!.ok(['kill', m.name, '--name', before.cluster])));
    const allUp = await h!.waitFor('every member re-created and up', (s) => s.members.every((m, i) => m.up && m.address !== before.members[i]!.address), 60_000);
    const lastUpAt = Date.now();
    const healed = await h!.waitFor('Ready again', (s) => h!.ready(s), 60_000);
    const healMs = Date.now() - lastUpAt;
    console.log(`[full restart] healthy ${healMs} ms after the last member was up (cluster-node-timeout 1000)`);

    expect(allUp.members.every((m, i) => m.address !== before.members[i]!.address)).toBe(true);
    expect(new Map(healed.members.map((m) => [m.name, m.nodeId]))).toEqual(ids);
    expect((await h!.events()).some((e) => e.reason === 'Meet')).toBe(true);
    const after = await h!.client(healed);
    const missing = [];
    for (const k of keys) if ((await after.get(k)) !== `v-${k}`) missing.push(k);
    after.disconnect();
    console.log(`[full restart] ${keys.length - missing.length}/${keys.length} acknowledged keys readable`);
    expect(missing).toEqual([]);
  });

  it('a planned restart of a master and a rolling restart lose no acknowledged write', async () => {
    const before = await upSeed();
    const w = await workload(before);
    let report: ConsistencyReport | undefined;
    try {
      await new Promise((r) => setTimeout(r, 300));
      await h!.ok(['restart', 'redis-app-0', '--name', before.cluster]);
      const one = w.snapshot();
      console.log(`[planned restart] lost acknowledged writes ${one.lostWrites}, longest write outage ${one.longestWriteOutageMs} ms`);
      expect(one.lostWrites).toBe(0);

      const r = await h!.ok(['rollout', 'restart', '--name', before.cluster]);
      expect(r.stdout).toMatch(/rolled out/);
      await new Promise((r2) => setTimeout(r2, 300));
      report = await w.stop();
    } finally {
      if (!report) await w.stop().catch(() => undefined);
    }
    console.log(
      `[rolling restart] ${report.opsPerSec} ops/s, lost acknowledged writes ${report.lostWrites}, write errors ${report.writeErrors}, ` +
        `longest write outage ${report.longestWriteOutageMs} ms, ${report.keysChecked} counters checked`,
    );
    expect(report.lostWrites).toBe(0);
    expect(report.writes).toBeGreaterThan(0);
    const after = await h!.waitFor('Ready after the rollout', (s) => h!.ready(s));
    expect(after.members.every((m) => m.restarts >= 1)).toBe(true);
  });
});

/**
 * The seed's failover experiment on the local platform, on real redis-server processes:
 * up the default cluster, write keys, run the consistency workload, kill the master
 * `<name>-0` like deleting its pod; its replica is promoted; the member comes back on a
 * new address with the same volume (same node id) and rejoins as a replica of the new
 * master; every acknowledged key is readable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeAddress, parseAddress } from '../../src/redis/address.js';
import { connectNode } from '../../src/redis/connection.js';
import { type ConsistencyReport, startConsistencyWorkload } from '../../src/workload/consistency.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';
import { passwordProfile } from '../../src/redis/profile.js';

describe('seed failover experiment (rck up, rck kill redis-app-0)', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('promotes the replica, re-creates the member on a new address with its volume, loses no acknowledged key', async () => {
    const up = await h.ok(['up', '-f', h.specFile, '--detach']);
    expect(up.stdout).toContain('up and healthy');

    const before = await h.status();
    expect(before.health.healthy).toBe(true);
    expect(before.members.map((m) => m.name)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `redis-app-${i}`));
    // The seed's ordinal layout: 0-2 masters, 3-5 replicas of 0-2.
    expect(before.members.map((m) => m.role)).toEqual(['master', 'master', 'master', 'replica', 'replica', 'replica']);
    expect(before.members.slice(3).map((m) => m.master)).toEqual(['redis-app-0', 'redis-app-1', 'redis-app-2']);
    const victim = h.member(before, 'redis-app-0');
    const oldId = victim.nodeId!;

    // Write keys before the failure.
    const client = await h.client(before);
    const keys = Array.from({ length: 500 }, (_, i) => `seed:key:${i}`);
    for (const k of keys) await client.set(k, `value-${k}`);

    const workload = startConsistencyWorkload({
      nodes: before.members.map((m) => parseAddress(m.address)),
      profile: passwordProfile(await h.password()),
      keys: 500,
      workers: 4,
    });
    let report: ConsistencyReport | undefined;
    try {
      await new Promise((r) => setTimeout(r, 500));
      const killedAt = Date.now();
      await h.ok(['kill', 'redis-app-0']);

      // Measure the failover on the replica itself (fast polling), then check it in status.
      const promotedAt = await waitPromoted(parseAddress(h.member(before, 'redis-app-3').address), await h.password());
      const failoverMs = promotedAt - ((await killTime(h.stateDir, 'redis-app-0')) ?? killedAt);
      const promoted = await h.waitFor('redis-app-3 promoted to master', (s) => h.member(s, 'redis-app-3').role === 'master');
      expect(h.member(promoted, 'redis-app-3').role).toBe('master');

      const rejoined: StatusJson = await h.waitFor('redis-app-0 back as a replica of redis-app-3, cluster healthy', (s) => {
        const m = h.member(s, 'redis-app-0');
        return m.up && m.role === 'replica' && m.master === 'redis-app-3' && m.linkUp === true && s.health.healthy;
      });
      const back = h.member(rejoined, 'redis-app-0');
      expect(back.address).not.toBe(victim.address); // a new address, like a re-created pod
      expect(back.nodeId).toBe(oldId); // the same volume: nodes.conf kept its identity
      expect(back.restarts).toBeGreaterThanOrEqual(1);

      await new Promise((r) => setTimeout(r, 500));
      report = await workload.stop();
      console.log(
        `[seed failover] failover ${failoverMs} ms (kill to replica promoted, cluster-node-timeout 1000); ` +
          `consistency: ${report.opsPerSec} ops/s, lost acknowledged writes ${report.lostWrites}, unacked applied ${report.unackedWrites}, ` +
          `write errors ${report.writeErrors}, longest write outage ${report.longestWriteOutageMs} ms, ${report.keysChecked} counters checked`,
      );
      expect(report.writes).toBeGreaterThan(0);
      expect(report.lostWrites).toBe(0);
      expect(report.unreadableKeys).toBe(0);
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }

    // Every key written before the failure is readable with its value.
    const values = await Promise.all(keys.map((k) => client.get(k)));
    expect(values.filter((v, i) => v !== `value-${keys[i]}`)).toEqual([]);
    client.disconnect();
  });
});

/** Time at which the node reports role:master, polled every 20 ms (30 s deadline). */
async function waitPromoted(addr: NodeAddress, password: string): Promise<number> {
  const c = await connectNode(addr, { profile: passwordProfile(password) });
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (/role:master/.test(await c.info('replication'))) return Date.now();
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${addr.host}:${addr.port} was not promoted within 30 s`);
  } finally {
    c.disconnect();
  }
}

/** When the supervisor sent SIGKILL, from its event log (the CLI's own start-up is not part of the failover). */
async function killTime(stateDir: string, member: string): Promise<number | undefined> {
  const lines = (await readFile(join(stateDir, 'events.jsonl'), 'utf8')).trim().split('\n');
  const e = lines
    .map((l) => JSON.parse(l) as { time: string; member: string; type: string })
    .reverse()
    .find((x) => x.member === member && x.type === 'Killed');
  return e ? Date.parse(e.time) : undefined;
}

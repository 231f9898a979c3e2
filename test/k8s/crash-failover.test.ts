/**
 * Issue 12 item 4 on Kubernetes, persistence on: a master's redis-server is SIGKILLed
 * (an OOM kill) and the kubelet restarts its container in place, where it reloads its AOF.
 * The kubelet reports the container terminated, so the operator fails the shard over to the
 * replica whose link was up, at once (CrashFailover), instead of leaving the shard without
 * writes while the process restarts, loads its AOF and sits out Redis's 2 s writable delay.
 * Nothing may be lost either way: every key reads back, no acknowledged write is lost.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import { ClusterView, synced } from './cluster-view.js';
import { waitFor } from './wait.js';
import { passwordProfile } from '../../src/redis/profile.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-crash-aof';
const NAME = 'aof';
const KEYS = 3000;
const COUNTERS = 300;

let tier: ClusterTier;

beforeAll(async () => {
  tier = await ClusterTier.start(NS);
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
}, 180_000);

describe('a master container killed and restarted in place by the kubelet, persistence on', { timeout: 300_000 }, () => {
  it('the operator fails the shard over to its in-sync replica at once (CrashFailover); 0 of 3,000 keys and 0 acknowledged writes lost', async () => {
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    tier.startOperator();
    await tier.createCluster(NAME, { kubernetes: { terminationGracePeriodSeconds: 10 } });
    await tier.waitReady(v);
    const ip0 = (await v.pods())[0]!.status!.podIP!;
    const keys = Array.from({ length: KEYS }, (_, i) => `aof-key-${i}`);
    const c = new Cluster([{ host: ip0, port: 6379 }], { redisOptions: { password: await v.password() } });
    try {
      for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((k) => c.set(k, `value-${k}`)));
    } finally {
      c.disconnect();
    }
    const before = await waitFor(
      "replicas hold their masters' keys",
      async () => {
        const ns = await v.nodes();
        return synced(ns, 6, 3, KEYS) ? ns : undefined;
      },
      30_000,
      diagnose,
    );
    const victim = before.find((n) => n.role === 'master')!;
    const copy = before.find((n) => n.role === 'slave' && n.masterId === victim.nodeId)!;
    const eventsBefore = new Set((await v.events()).map((e) => e.metadata!.uid));
    const workload = startConsistencyWorkload({
      nodes: before.map((n) => ({ host: n.ip, port: 6379 })),
      profile: passwordProfile(await v.password()),
      keys: COUNTERS,
      workers: 4,
    });

    const t0 = Date.now();
    process.kill(victim.pid, 'SIGKILL');
    const failedOver = async () => (await v.events()).filter((e) => !eventsBefore.has(e.metadata!.uid) && e.reason === 'CrashFailover');
    const after = await waitFor(
      'failed over, then Ready with every replica synced',
      async () => {
        const ns = await v.nodes();
        const back = ns.find((n) => n.pod === victim.pod);
        // The kubelet posts the restart count a moment after the new process runs: wait for both.
        return back &&
          back.pid !== victim.pid &&
          back.restarts > victim.restarts &&
          (await failedOver()).length > 0 &&
          ClusterView.isReady(await v.status()) &&
          synced(ns, 6, 3, KEYS + COUNTERS)
          ? ns
          : undefined;
      },
      120_000,
      diagnose,
    );
    const readyMs = Date.now() - t0;
    const report = await workload.stop();
    console.error(
      `[k8s crash, persistence on] ${KEYS} keys: Ready again ${(readyMs / 1000).toFixed(1)} s after the kill; ` +
        `longest write outage ${(report.longestWriteOutageMs / 1000).toFixed(2)} s; ${report.writes} writes, ${report.lostWrites} lost`,
    );

    const events = await failedOver();
    expect(events.map((e) => [e.type, e.message?.split(':')[0]])).toEqual([['Warning', copy.pod]]);
    const back = after.find((n) => n.pod === victim.pod)!;
    expect({ uid: back.uid, ip: back.ip }).toEqual({ uid: victim.uid, ip: victim.ip });
    expect(back.restarts).toBeGreaterThan(victim.restarts);
    const c2 = new Cluster([{ host: ip0, port: 6379 }], { redisOptions: { password: await v.password() } });
    try {
      const values = await Promise.all(keys.map((k) => c2.get(k)));
      expect(values.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
    } finally {
      c2.disconnect();
    }
    expect(report.lostWrites).toBe(0);
    expect(report.writes).toBeGreaterThan(0);
    expect((await v.events()).filter((e) => !eventsBefore.has(e.metadata!.uid) && e.reason === 'DataLoss')).toEqual([]);
  });
});

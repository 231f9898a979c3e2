/**
 * Issue 16, item 3: stable hostnames. A RedisCluster with `kubernetes.announce: hostname`
 * announces <pod>.<name>-headless.<namespace>.svc.cluster.local (CLUSTER SLOTS and
 * redirections give names, not pod IPs). A cluster client seeded with one name, resolving
 * names the way cluster DNS does (the process kubelet answers for the pods it knows), writes
 * 500 keys. Then every pod is deleted at once: all come back on new IPs, the operator brings
 * the cluster back, and the same client, never re-created, reads every key and writes again.
 */
import type { LookupFunction } from 'node:net';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterView } from './cluster-view.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-hostname';
const NAME = 'hn';
const KEYS = 500;
const MEMBERS = 6;
const nameOf = (i: number) => `${NAME}-${i}.${NAME}-headless.${NS}.svc.cluster.local`;

let tier: ClusterTier;

beforeAll(async () => {
  tier = await ClusterTier.start(NS);
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
}, 180_000);

const live = (ps: V1Pod[]) => ps.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.status.podIP);

describe('announce: hostname', { timeout: 420_000 }, () => {
  it('members announce their DNS names; after every pod is deleted at once, a client connected by name reads all 500 keys and writes again', async () => {
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    tier.startOperator();
    await tier.createCluster(NAME, { kubernetes: { announce: 'hostname', terminationGracePeriodSeconds: 10 } });
    await tier.waitReady(v);
    const before = live(await v.pods());
    expect(before).toHaveLength(MEMBERS);
    const announced = async (ip: string) =>
      v.onNode(ip, async (r) => {
        const slots = (await r.call('CLUSTER', 'SLOTS')) as [number, number, ...[string, number, string][]][];
        return new Set(slots.flatMap(([, , ...nodes]) => nodes.map((n) => n[0])));
      });
    const allNames = Array.from({ length: MEMBERS }, (_, i) => nameOf(i))
      .sort()
      .join();
    // Hostnames travel by gossip: every member's shows up in CLUSTER SLOTS within a few pings.
    const announcedByAll = (ip: string) => async () => ([...(await announced(ip))].sort().join() === allNames ? true : undefined);
    await waitFor('CLUSTER SLOTS names all 6 members by hostname', announcedByAll(before[0]!.status!.podIP!), 30_000, diagnose);

    // The client knows names only: cluster DNS (here the kubelet) answers them.
    const kubelet = tier.env.kubelet!;
    const lookup = (host: string) => kubelet.resolve(host) ?? host;
    const dnsLookup = ((host: string, cb: (err: Error | null, address: string) => void) => cb(null, lookup(host))) as unknown as LookupFunction;
    const client = new Cluster([{ host: nameOf(0), port: 6379 }], {
      redisOptions: { password: await v.password() },
      dnsLookup: dnsLookup as never,
      natMap: (key: string) => {
        const at = key.lastIndexOf(':');
        return { host: lookup(key.slice(0, at)), port: Number(key.slice(at + 1)) };
      },
    });
    try {
      const keys = Array.from({ length: KEYS }, (_, i) => `hn-key-${i}`);
      await Promise.all(keys.map((k) => client.set(k, `value-${k}`)));

      await core.deleteCollectionNamespacedPod({ namespace: NS, labelSelector: `rck.dev/cluster=${NAME}` });
      const oldUids = new Set(before.map((p) => p.metadata!.uid));
      const oldIps = new Set(before.map((p) => p.status!.podIP));
      await waitFor(
        'every pod re-created on a new IP, Ready again',
        async () => {
          const ps = live(await v.pods());
          if (ps.length !== MEMBERS || ps.some((p) => oldUids.has(p.metadata!.uid) || oldIps.has(p.status!.podIP))) return undefined;
          return ClusterView.isReady(await v.status()) ? true : undefined;
        },
        240_000,
        diagnose,
      );
      const after = live(await v.pods());
      await waitFor('the same 6 names after the restart', announcedByAll(after[0]!.status!.podIP!), 30_000, diagnose);

      // The same client: its names now answer with the new IPs.
      const values = await waitFor('the client reads through the restart', async () => Promise.all(keys.map((k) => client.get(k))).catch(() => undefined), 60_000, diagnose);
      expect(values.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
      await Promise.all(keys.slice(0, 100).map((k) => client.set(k, `again-${k}`)));
      expect(await client.get(keys[7]!)).toBe(`again-${keys[7]}`);
    } finally {
      client.disconnect();
    }
  });
});

/**
 * Issue 16, item 4: external access. A RedisCluster with `kubernetes.externalAccess:
 * {type: LoadBalancer}` gets one LoadBalancer Service per member; the test tier's load
 * balancers (load-balancers.ts) give each an address that is not a pod IP and forward to the
 * member's pod. The operator has every member announce its load balancer to clients. A
 * cluster client seeded with one load balancer address, with no address mapping, writes and
 * reads 500 keys following redirections, and only ever connects to load balancers. Then the
 * master pod behind the seed is deleted: it comes back on a new pod IP behind the same load
 * balancer, and the same client reads every key again. Then a scale-in to 3 members: the 3
 * retired members' Services (their load balancers) are deleted, and the client still reads every key.
 * Last, external access is turned off: the members announce their pod IPs again, then their
 * Services and the ConfigMap of addresses are deleted, and a client seeded with a pod IP reads every key.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterView } from './cluster-view.js';
import { LoadBalancers } from './load-balancers.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-external';
const NAME = 'ext';
const KEYS = 500;
const MEMBERS = 6;

let tier: ClusterTier;
let balancers: LoadBalancers | undefined;
/** The first test's 500 keys, for the scale-in to read again. */
let written: string[] = [];

beforeAll(async () => {
  tier = await ClusterTier.start(NS);
  balancers = new LoadBalancers(tier.env.kc);
  await balancers.start();
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stopOperator();
  await balancers?.stop();
  await tier?.stop();
}, 180_000);

/** The hosts CLUSTER SLOTS names, asked of the member at podIp: sorted, comma-joined. */
const hostsInSlots = (v: ClusterView, podIp: string) =>
  v.onNode(podIp, async (r) => {
    const slots = (await r.call('CLUSTER', 'SLOTS')) as [number, number, ...[string, number][]][];
    return [...new Set(slots.flatMap(([, , ...nodes]) => nodes.map((n) => n[0])))].sort().join();
  });

const live = (ps: V1Pod[]) => ps.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.status.podIP);

describe('externalAccess: LoadBalancer', { timeout: 420_000 }, () => {
  it('a client that reaches only load balancers writes and reads 500 keys, and again after the master pod behind its seed is re-created', async () => {
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    tier.startOperator();
    await tier.createCluster(NAME, { kubernetes: { externalAccess: { type: 'LoadBalancer' }, terminationGracePeriodSeconds: 10 } });
    await tier.waitReady(v);
    const lbOf = async (member: string) => (await core.readNamespacedService({ name: `${member}-external`, namespace: NS })).status?.loadBalancer?.ingress?.[0]?.ip;
    const lbs = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => lbOf(`${NAME}-${i}`)));
    expect(lbs.filter(Boolean)).toHaveLength(MEMBERS);
    const podIps = new Set(live(await v.pods()).map((p) => p.status!.podIP!));
    expect(lbs.filter((ip) => podIps.has(ip!))).toEqual([]);

    // The members' addresses for their next start (start.sh announces the load balancer from the first reply).
    const addresses = await waitFor(
      'ConfigMap ext-external with 6 addresses',
      async () => {
        const cm = await core.readNamespacedConfigMap({ name: `${NAME}-external`, namespace: NS }).catch(() => undefined);
        return Object.keys(cm?.data ?? {}).length === MEMBERS ? cm!.data! : undefined;
      },
      30_000,
      diagnose,
    );
    expect(Array.from({ length: MEMBERS }, (_, i) => addresses[`${NAME}-${i}`])).toEqual(lbs);

    // Every member tells clients its load balancer.
    // Asked of a member that is up now (ext-1: the test re-creates ext-0).
    const slotsHosts = async () => hostsInSlots(v, live(await v.pods()).find((p) => p.metadata!.name === `${NAME}-1`)!.status!.podIP!);
    await waitFor('CLUSTER SLOTS names the 6 load balancers', async () => ((await slotsHosts()) === [...lbs].sort().join() ? true : undefined), 30_000, diagnose);

    const client = new Cluster([{ host: lbs[0]!, port: 6379 }], { redisOptions: { password: await v.password() } });
    try {
      const keys = Array.from({ length: KEYS }, (_, i) => `ext-key-${i}`);
      await Promise.all(keys.map((k) => client.set(k, `value-${k}`)));
      written = keys;
      const values = await Promise.all(keys.map((k) => client.get(k)));
      expect(values.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
      const connectedTo = () => client.nodes('all').map((n) => n.options.host);
      expect(connectedTo().filter((h) => !lbs.includes(h))).toEqual([]);

      // The pod behind the seed's load balancer is re-created on a new IP; the load balancer follows it.
      const victim = (await core.readNamespacedPod({ name: `${NAME}-0`, namespace: NS })).metadata!.uid;
      await core.deleteNamespacedPod({ name: `${NAME}-0`, namespace: NS });
      await waitFor(
        `${NAME}-0 re-created, announcing its load balancer again, Ready`,
        async () => {
          const p = live(await v.pods()).find((x) => x.metadata!.name === `${NAME}-0`);
          if (!p || p.metadata!.uid === victim) return undefined;
          return (await slotsHosts().catch(() => '')) === [...lbs].sort().join() && ClusterView.isReady(await v.status()) ? true : undefined;
        },
        120_000,
        diagnose,
      );
      const again = await waitFor('the client reads every key again', async () => Promise.all(keys.map((k) => client.get(k))).catch(() => undefined), 60_000, diagnose);
      expect(again.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
      expect(connectedTo().filter((h) => !lbs.includes(h))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it("a scale-in to 3 members deletes the 3 retired members' Services, and the client still reads every key through load balancers", async () => {
    expect(written).toHaveLength(KEYS);
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    const generation = await tier.patchSpec(NAME, { replicasPerMaster: 0 });
    await waitFor(
      'Ready as 3 members',
      async () => {
        const s = await v.status();
        return ClusterView.isReady(s) && s?.observedGeneration === generation && s.members === 3 ? true : undefined;
      },
      240_000,
      diagnose,
    );
    const services = await waitFor(
      "only the 3 remaining members' Services",
      async () => {
        const names = (await core.listNamespacedService({ namespace: NS, labelSelector: 'rck.dev/external-for' })).items.map((s) => s.metadata!.name!).sort();
        return names.length === 3 ? names : undefined;
      },
      60_000,
      diagnose,
    );
    expect(services).toEqual([0, 1, 2].map((i) => `${NAME}-${i}-external`));
    expect(tier.operator!.log.filter((l) => /deleted Service ext-\d-external/.test(l))).toHaveLength(3);

    const lbs = await Promise.all(services.map(async (name) => (await core.readNamespacedService({ name, namespace: NS })).status?.loadBalancer?.ingress?.[0]?.ip));
    const client = new Cluster([{ host: lbs[0]!, port: 6379 }], { redisOptions: { password: await v.password() } });
    try {
      const values = await waitFor(
        'every key read through the load balancers',
        async () => Promise.all(written.map((k) => client.get(k))).catch(() => undefined),
        60_000,
        diagnose,
      );
      expect(values.filter((x, i) => x !== `value-${written[i]}`)).toEqual([]);
      expect(
        client
          .nodes('all')
          .map((n) => n.options.host)
          .filter((h) => !lbs.includes(h)),
      ).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('turned off: the 3 members announce their pod IPs, their 3 Services and the ConfigMap are deleted, and a client at pod IPs reads every key', async () => {
    expect(written).toHaveLength(KEYS);
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    const generation = await tier.patchSpec(NAME, { kubernetes: { externalAccess: null } });
    const podIps = async () => live(await v.pods()).map((p) => p.status!.podIP!);
    const slotsHosts = async () => hostsInSlots(v, (await podIps())[0]!);
    await waitFor(
      'CLUSTER SLOTS names the 3 pod IPs, Ready',
      async () => {
        const s = await v.status();
        const hosts = await slotsHosts().catch(() => '');
        return ClusterView.isReady(s) && s?.observedGeneration === generation && hosts === (await podIps()).sort().join() ? true : undefined;
      },
      120_000,
      diagnose,
    );
    await waitFor(
      'no external Service and no ConfigMap ext-external',
      async () => {
        const services = (await core.listNamespacedService({ namespace: NS, labelSelector: 'rck.dev/external-for' })).items;
        const cm = await core.readNamespacedConfigMap({ name: `${NAME}-external`, namespace: NS }).catch(() => undefined);
        return services.length === 0 && !cm ? true : undefined;
      },
      60_000,
      diagnose,
    );
    expect(tier.operator!.log.filter((l) => /deleted Service ext-\d-external: external access is off/.test(l))).toHaveLength(3);

    const ips = await podIps();
    const client = new Cluster([{ host: ips[0]!, port: 6379 }], { redisOptions: { password: await v.password() } });
    try {
      const values = await waitFor('every key read at pod IPs', async () => Promise.all(written.map((k) => client.get(k))).catch(() => undefined), 60_000, diagnose);
      expect(values.filter((x, i) => x !== `value-${written[i]}`)).toEqual([]);
      expect(
        client
          .nodes('all')
          .map((n) => n.options.host)
          .filter((h) => !ips.includes(h!)),
      ).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

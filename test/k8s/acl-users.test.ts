/**
 * Issue 15 on Kubernetes: ACL users and rck's own users. A RedisCluster with the default user
 * off and two users: `app` (password generated into Secret acl-user-app) and `reader`
 * (password from an existing Secret, with a quote and a backslash in it). The operator, the
 * probes and the preStop handover log in as rck-admin, replicas as rck-replication; a client
 * without a user is refused on every member; the seed's failover experiment holds.
 */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterView } from './cluster-view.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-acl';
const NAME = 'acl';
const KEYS = 500;
const READER_PASSWORD = 'reader "quoted" \\ secret';

let tier: ClusterTier;
let core: CoreV1Api;

beforeAll(async () => {
  tier = await ClusterTier.start(NS);
  core = tier.env.kc.makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'reader-pw' }, stringData: { password: READER_PASSWORD } } });
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
}, 180_000);

const secretValue = async (name: string, key: string) => Buffer.from((await core.readNamespacedSecret({ name, namespace: NS })).data![key]!, 'base64').toString('utf8');
const live = (ps: V1Pod[]) => ps.filter((p) => p.status?.phase === 'Running' && p.status.podIP);

interface ClientRow {
  name: string;
  user: string;
  flags: string;
}
const rowsOf = (list: string): ClientRow[] =>
  list
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .map((f) => ({ name: f.name ?? '', user: f.user ?? '', flags: f.flags ?? '' }));

describe('ACL users on Kubernetes, default user off', { timeout: 420_000 }, () => {
  let v: ClusterView;
  let appPw: string;

  it('becomes Ready; the operator logs in as rck-admin on all 6 members and the 3 replicas as rck-replication; a client without a user is refused on all 6', async () => {
    tier.startOperator();
    await tier.createCluster(NAME, {
      auth: {
        defaultUser: 'off',
        users: [
          { name: 'app', rules: '~* &* +@all' },
          { name: 'reader', rules: '~* +@read +ping +cluster|slots', passwordSecret: 'reader-pw' },
        ],
      },
      kubernetes: { terminationGracePeriodSeconds: 10 },
    });
    const admin = { username: 'rck-admin', password: '' };
    v = new ClusterView(tier.env.kc, NS, NAME, admin);
    const diagnose = () => v.diagnose(tier.operator?.log);
    await tier.waitReady(v);
    admin.password = await secretValue(`${NAME}-auth`, 'admin');
    appPw = await secretValue(`${NAME}-user-app`, 'password');
    expect(appPw.length).toBeGreaterThanOrEqual(24);

    const pods = live(await v.pods());
    expect(pods).toHaveLength(6);
    const lists = await waitFor(
      'an operator connection on every member',
      async () => {
        const ls = await Promise.all(pods.map((p) => v.onNode(p.status!.podIP!, async (r) => rowsOf(String(await r.call('CLIENT', 'LIST'))))));
        return ls.every((rows) => rows.some((r) => r.name === 'rck-operator')) ? ls : undefined;
      },
      60_000,
      diagnose,
    );
    const all = lists.flat();
    expect(new Set(all.filter((r) => r.name === 'rck-operator').map((r) => r.user))).toEqual(new Set(['rck-admin']));
    expect(all.filter((r) => r.flags.includes('S')).map((r) => r.user)).toEqual(['rck-replication', 'rck-replication', 'rck-replication']);

    let refused = 0;
    for (const p of pods) {
      const anon = new Redis({ host: p.status!.podIP!, port: 6379, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      anon.on('error', () => {});
      await anon.connect();
      await expect(anon.ping()).rejects.toThrow(/NOAUTH/);
      await expect(anon.call('AUTH', await secretValue(`${NAME}-auth`, 'password'))).rejects.toThrow(/WRONGPASS/);
      anon.disconnect();
      refused++;
    }
    expect(refused).toBe(6);
  });

  it('app writes 500 keys; reader (password from its own Secret) reads them and gets NOPERM on a write', async () => {
    const seeds = live(await v.pods()).map((p) => ({ host: p.status!.podIP!, port: 6379 }));
    const app = new Cluster(seeds, { redisOptions: { username: 'app', password: appPw } });
    const reader = new Cluster(seeds, { redisOptions: { username: 'reader', password: READER_PASSWORD, enableReadyCheck: false }, enableReadyCheck: false });
    app.on('error', () => {});
    reader.on('error', () => {});
    try {
      for (let i = 0; i < KEYS; i++) await app.set(`acl:${i}`, String(i));
      let read = 0;
      for (let i = 0; i < KEYS; i++) if ((await reader.get(`acl:${i}`)) === String(i)) read++;
      expect(read).toBe(KEYS);
      await expect(reader.set('acl:0', 'x')).rejects.toThrow(/NOPERM/);
    } finally {
      app.disconnect();
      reader.disconnect();
    }
  });

  it('the master pod is deleted: it comes back on a new IP as a replica in sync, and app reads 500 of 500 keys', async () => {
    const diagnose = () => v.diagnose(tier.operator?.log);
    const before = await v.nodes();
    const master = before.find((n) => n.role === 'master')!;
    await core.deleteNamespacedPod({ name: master.pod, namespace: NS });
    const back = await waitFor(
      `${master.pod} back as a replica, Ready`,
      async () => {
        const ns = await v.nodes();
        const n = ns.find((x) => x.pod === master.pod);
        if (!n || n.uid === master.uid || n.role !== 'slave' || ns.length !== 6) return undefined;
        return ClusterView.isReady(await v.status()) ? n : undefined;
      },
      240_000,
      diagnose,
    );
    expect(back.nodeId).toBe(master.nodeId);
    const link = await v.onNode(back.ip, async (r) => (await r.info('replication')).match(/^master_link_status:(\w+)/m)?.[1]);
    expect(link).toBe('up');
    const app = new Cluster(
      live(await v.pods()).map((p) => ({ host: p.status!.podIP!, port: 6379 })),
      { redisOptions: { username: 'app', password: appPw } },
    );
    app.on('error', () => {});
    try {
      let read = 0;
      for (let i = 0; i < KEYS; i++) if ((await app.get(`acl:${i}`)) === String(i)) read++;
      expect(read).toBe(KEYS);
    } finally {
      app.disconnect();
    }
  });
});

/**
 * The seed's procedure end to end on the Kubernetes tier, driven by the operator (the real
 * `rck operator --kubeconfig` from dist/, outside the cluster): one RedisCluster
 * object -> StatefulSet of 6 -> cluster created with no helper pod -> Ready; the seed's
 * failover experiment (delete the master pod: preStop hands over, it rejoins as a replica
 * on a new IP, no acknowledged write lost); all pods deleted at once -> healthy with its data.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION, redisClusterCrd } from '../../src/manifests/crd.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import type { ClusterStatus } from '../../src/platform/kubernetes/status.js';
import { type ConsistencyReport, startConsistencyWorkload } from '../../src/workload/consistency.js';
import { PromText } from '../support/prom-text.js';
import { freePortRange } from '../support/local-cluster.js';
import { type K8sTestEnv, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { waitFor } from './wait.js';
import { passwordProfile } from '../../src/redis/profile.js';

const NS = 'rck-e2e';
const NAME = 'redis-app';
let env: K8sTestEnv;
let core: CoreV1Api;
let custom: CustomObjectsApi;
let operator: ChildProcess | undefined;
const opLog: string[] = [];
/** Where the first operator serves /metrics (a second one finds it taken, logs it and runs on). */
let metricsPort = 0;
const MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist', 'cli', 'main.js');

/** `rck operator` as users run it from outside the cluster; its log lines go to opLog. */
function startOperator(kubeconfig: string, log = opLog): ChildProcess {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  // A short lease so the takeover test need not wait the default 15 s.
  const args = [MAIN, 'operator', '--kubeconfig', kubeconfig, '-n', NS, '--interval', '500ms', '--lease-duration', '3s', '--metrics-address', `127.0.0.1:${metricsPort}`];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return child;
}

beforeAll(async () => {
  env = await startK8sTestEnv();
  core = env.kc.makeApiClient(CoreV1Api);
  custom = env.kc.makeApiClient(CustomObjectsApi);
  await new Applier(env.kc).apply(redisClusterCrd());
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitForDefaultServiceAccount(env.kc, NS);
  metricsPort = await freePortRange(1);
  operator = startOperator(env.kubeconfigPath);
  await waitFor(
    'operator watching',
    async () => (opLog.some((l) => l.includes('operator watching')) ? true : undefined),
    30_000,
    async () => opLog.join('\n'),
  );
}, 60 * 60_000);

afterAll(async () => {
  if (operator && operator.exitCode === null) {
    const exited = new Promise((r) => operator!.once('exit', r));
    operator.kill('SIGTERM');
    await exited;
  }
  if (process.env.RCK_K8S_DEBUG) console.error(opLog.join('\n'));
  await env?.stop();
}, 180_000);

const status = async () =>
  ((await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME })) as { status?: ClusterStatus }).status;
const readyStatus = () => status().then((s) => (s?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined));
const pods = async () => (await core.listNamespacedPod({ namespace: NS })).items.filter((p) => !p.metadata?.deletionTimestamp);
const pod = (name: string) => core.readNamespacedPod({ name, namespace: NS });

async function password(): Promise<string> {
  const s = await core.readNamespacedSecret({ name: `${NAME}-auth`, namespace: NS });
  return Buffer.from(s.data!.password!, 'base64').toString('utf8');
}

async function role(ip: string): Promise<string> {
  const r = new Redis({ host: ip, port: 6379, password: await password(), lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return ((await r.call('ROLE')) as string[])[0]!;
  } finally {
    r.disconnect();
  }
}

async function diagnose(): Promise<string> {
  const s = await status().catch(() => undefined);
  const ps = (await core.listNamespacedPod({ namespace: NS })).items.map(
    (p: V1Pod) => `${p.metadata?.name} ${p.status?.phase} ip=${p.status?.podIP} node=${p.spec?.nodeName} ready=${p.status?.conditions?.find((c) => c.type === 'Ready')?.status}`,
  );
  return [`status: ${JSON.stringify(s)}`, ...ps, ...opLog.slice(-30)].join('\n');
}

describe('the operator on the Kubernetes tier', { timeout: 300_000 }, () => {
  let keys: string[] = [];

  it('creates the seed cluster from one RedisCluster object, with no helper pod', async () => {
    const t0 = Date.now();
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'RedisCluster',
        metadata: { name: NAME },
        spec: {
          // The seed's storage: static NFS volumes, one per member (the harness serves NFS exports as directories).
          kubernetes: { terminationGracePeriodSeconds: 15, storage: { nfs: { server: 'nfs.example', path: '/usr/local/k8s/redis' } } },
        },
      },
    });
    const s = await waitFor('RedisCluster Ready', readyStatus, 240_000, diagnose);
    console.error(`[k8s operator] time to ready from apply: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(s).toMatchObject({ phase: 'Ready', readyMembers: 6, shards: 3, members: 6 });
    const all = await pods();
    expect(all.map((p) => p.metadata!.name).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${NAME}-${i}`));
    const sts = await env.kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ name: NAME, namespace: NS });
    expect(sts.metadata?.ownerReferences?.[0]?.kind).toBe('RedisCluster');
    // The seed's six static volumes, correctly named, each bound to its member's claim.
    for (let i = 0; i < 6; i++) {
      const pv = await core.readPersistentVolume({ name: `${NAME}-pv-${i}` });
      expect([pv.status?.phase, pv.spec?.claimRef?.name]).toEqual(['Bound', `data-${NAME}-${i}`]);
    }
    const events = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${NAME}` })).items;
    expect(events.map((e) => e.reason)).toContain('Create');
    const c = new Cluster([{ host: all[0]!.status!.podIP!, port: 6379 }], { redisOptions: { password: await password() } });
    keys = Array.from({ length: 200 }, (_, i) => `seed-key-${i}`);
    for (const k of keys) await c.set(k, `value-${k}`);
    c.disconnect();
  });

  it("serves /metrics labelled with the namespace and cluster (16384 slots, one rck_member_up per pod) and the cluster's web view", async () => {
    const L = { namespace: NS, cluster: NAME };
    const p = await waitFor(
      'metrics of a ready cluster',
      async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined);
        const text = res?.ok ? new PromText(await res.text()) : undefined;
        return text?.samples('rck_cluster_ready', L)[0]?.value === '1' ? text : undefined;
      },
      30_000,
      diagnose,
    );
    expect(p.value('rck_cluster_slots_served', L)).toBe(16384);
    expect(p.value('rck_cluster_members_up', L)).toBe(6);
    const up = p.samples('rck_member_up', L);
    expect(up.map((m) => m.labels.member).sort()).toEqual((await pods()).map((x) => x.metadata!.name!).sort());
    expect(up.every((m) => m.value === '1')).toBe(true);
    expect(p.samples('rck_member_is_master', L).filter((m) => m.value === '1')).toHaveLength(3);
    // The web view of this cluster, at the same address (what kubectl port-forward reaches).
    const base = `http://127.0.0.1:${metricsPort}`;
    expect(await (await fetch(`${base}/`)).text()).toContain(`clusters/${NS}/${NAME}/`);
    expect((await fetch(`${base}/clusters/${NS}/${NAME}`, { redirect: 'manual' })).status).toBe(301);
    expect((await fetch(`${base}/clusters/${NS}/${NAME}/`)).headers.get('content-type')).toContain('text/html');
    const view = (await (await fetch(`${base}/clusters/${NS}/${NAME}/api/view`)).json()) as { facts: { slotsServed: number }; members: { member: string }[] };
    expect(view.facts.slotsServed).toBe(16384);
    expect(view.members.map((m) => m.member).sort()).toEqual(up.map((m) => m.labels.member).sort());
    expect((await fetch(`${base}/clusters/${NS}/nosuch/api/view`)).status).toBe(404);
  });

  it('hands over when the master pod is deleted; the pod rejoins as a replica on a new IP, no acknowledged write lost', async () => {
    const victim = await pod(`${NAME}-0`);
    const oldIP = victim.status!.podIP!;
    expect(await role(oldIP)).toBe('master');
    const workload = startConsistencyWorkload({
      nodes: (await pods()).map((p) => ({ host: p.status!.podIP!, port: 6379 })),
      profile: passwordProfile(await password()),
      keys: 300,
      workers: 4,
    });
    let report: ConsistencyReport | undefined;
    try {
      await new Promise((r) => setTimeout(r, 500));
      await core.deleteNamespacedPod({ name: `${NAME}-0`, namespace: NS });
      const back = await waitFor(
        `${NAME}-0 re-created and a replica`,
        async () => {
          const p = await pod(`${NAME}-0`).catch(() => undefined);
          if (!p || p.metadata!.uid === victim.metadata!.uid || !p.status?.podIP) return undefined;
          return (await role(p.status.podIP).catch(() => '')) === 'slave' ? p : undefined;
        },
        120_000,
        diagnose,
      );
      expect(back.status!.podIP).not.toBe(oldIP);
      // The preStop hook handed over: its replica is master, and the operator promoted nobody.
      expect(await role((await pod(`${NAME}-3`)).status!.podIP!)).toBe('master');
      expect(opLog.join('\n')).not.toMatch(/promote/);
      await waitFor('Ready again', readyStatus, 120_000, diagnose);
      report = await workload.stop();
      console.error(
        `[k8s operator] delete master pod (failover unavailability = longest write outage): lost acknowledged writes ${report.lostWrites}, longest write outage ${report.longestWriteOutageMs} ms, ` +
          `write errors ${report.writeErrors}, ${report.opsPerSec} ops/s, ${report.keysChecked} counters checked`,
      );
      expect(report.lostWrites).toBe(0);
      expect(report.unreadableKeys).toBe(0);
      expect(opLog.join('\n')).not.toContain(await password());
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }
  });

  it('comes back healthy with its data after all pods are deleted at once', async () => {
    const before = new Map((await pods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    await core.deleteCollectionNamespacedPod({ namespace: NS, labelSelector: `rck.dev/cluster=${NAME}` });
    await waitFor(
      'all pods re-created',
      async () => {
        const ps = await pods();
        return ps.length === 6 && ps.every((p) => before.get(p.metadata!.name!) !== p.metadata!.uid) ? true : undefined;
      },
      120_000,
      diagnose,
    );
    const t0 = Date.now();
    await waitFor('Ready after full restart', readyStatus, 180_000, diagnose);
    console.error(`[k8s operator] all pods deleted: Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after the last pod was re-created`);
    const ip = (await pods())[0]!.status!.podIP!;
    const c = new Cluster([{ host: ip, port: 6379 }], { redisOptions: { password: await password() } });
    try {
      const values = await Promise.all(keys.map((k) => c.get(k)));
      expect(values.filter((v, i) => v !== `value-${keys[i]}`)).toEqual([]);
    } finally {
      c.disconnect();
    }
  });
});

describe('scaling through the RedisCluster object', { timeout: 300_000 }, () => {
  const apps = () => env.kc.makeApiClient(AppsV1Api);
  const scaleTo = async (masters: number, replicasPerMaster = 1) => {
    const t0 = Date.now();
    const obj = (await custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME, body: { spec: { masters, replicasPerMaster } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { metadata: { generation: number } };
    const members = masters * (1 + replicasPerMaster);
    const s = await waitFor(
      `Ready as ${masters}x${replicasPerMaster}`,
      async () => {
        const st = await readyStatus();
        return st && st.observedGeneration === obj.metadata.generation && st.shards === masters && st.members === members ? st : undefined;
      },
      240_000,
      diagnose,
    );
    console.error(`[k8s operator] scale to ${masters} masters x ${replicasPerMaster} replicas: Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after the patch`);
    return s;
  };
  const readAll = async (expected: Map<string, string>) => {
    const ip = (await pods())[0]!.status!.podIP!;
    const c = new Cluster([{ host: ip, port: 6379 }], { redisOptions: { password: await password() } });
    try {
      const missing: string[] = [];
      for (const [k, v] of expected) if ((await c.get(k)) !== v) missing.push(k);
      return missing;
    } finally {
      c.disconnect();
    }
  };

  it('scales 3 -> 4 -> 3 masters: members added and retired by the operator, slots moved, no key or acknowledged write lost', async () => {
    const ip = (await pods())[0]!.status!.podIP!;
    const expected = new Map(Array.from({ length: 1000 }, (_, i) => [`scale-${i}`, `v-${i}`] as [string, string]));
    const c = new Cluster([{ host: ip, port: 6379 }], { redisOptions: { password: await password() } });
    await Promise.all([...expected].map(([k, v]) => c.set(k, v)));
    c.disconnect();
    const workload = startConsistencyWorkload({
      nodes: (await pods()).map((p) => ({ host: p.status!.podIP!, port: 6379 })),
      profile: passwordProfile(await password()),
      keys: 200,
      workers: 4,
    });
    let report: ConsistencyReport | undefined;
    try {
      await scaleTo(4);
      expect((await apps().readNamespacedStatefulSet({ name: NAME, namespace: NS })).spec?.replicas).toBe(8);
      expect(await readAll(expected)).toEqual([]);
      await scaleTo(3);
      expect((await apps().readNamespacedStatefulSet({ name: NAME, namespace: NS })).spec?.replicas).toBe(6);
      expect((await pods()).map((p) => p.metadata!.name).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${NAME}-${i}`));
      expect(await readAll(expected)).toEqual([]);
      report = await workload.stop();
      console.error(
        `[k8s operator] scale 3->4->3 under load: lost acknowledged writes ${report.lostWrites}, write errors ${report.writeErrors}, ` +
          `longest write outage ${report.longestWriteOutageMs} ms, ${report.opsPerSec} ops/s`,
      );
      expect(report.lostWrites).toBe(0);
      const events = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${NAME}` })).items.map((e) => e.reason);
      for (const r of ['SetMemberCount', 'JoinMaster', 'MoveSlots', 'Retire']) expect(events).toContain(r);
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }
  });

  it('scales 1 -> 2 -> 1 replicas per master: one new replica per master, then the extra pods retired', async () => {
    await scaleTo(3, 2);
    expect((await apps().readNamespacedStatefulSet({ name: NAME, namespace: NS })).spec?.replicas).toBe(9);
    const ips = (await pods()).map((p) => p.status!.podIP!);
    const roles = await Promise.all(ips.map((ip) => role(ip)));
    expect(roles.filter((r) => r === 'master')).toHaveLength(3);
    expect(roles.filter((r) => r === 'slave')).toHaveLength(6);
    await scaleTo(3, 1);
    expect((await apps().readNamespacedStatefulSet({ name: NAME, namespace: NS })).spec?.replicas).toBe(6);
    expect((await pods()).map((p) => p.metadata!.name).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${NAME}-${i}`));
  });
});

describe('a configuration change (rolling update)', { timeout: 300_000 }, () => {
  it('restarts every pod one at a time, each master after its handover, no acknowledged write lost', async () => {
    const apps = env.kc.makeApiClient(AppsV1Api);
    const before = new Map((await pods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    const workload = startConsistencyWorkload({
      nodes: (await pods()).map((p) => ({ host: p.status!.podIP!, port: 6379 })),
      profile: passwordProfile(await password()),
      keys: 200,
      workers: 4,
    });
    let report: ConsistencyReport | undefined;
    try {
      const t0 = Date.now();
      await custom.patchNamespacedCustomObject(
        {
          group: GROUP,
          version: VERSION,
          namespace: NS,
          plural: PLURAL,
          name: NAME,
          body: { spec: { redis: { config: { 'maxmemory-policy': 'allkeys-lru' } } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await waitFor(
        'every pod re-created with the new configuration by the rollout',
        async () => {
          const sts = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
          const ps = await pods();
          // OnDelete: rck restarts the pods; each re-created one runs the StatefulSet's update revision.
          const rolled = ps.every((p) => p.metadata?.labels?.['controller-revision-hash'] === sts.status?.updateRevision) && sts.status?.readyReplicas === 6;
          return rolled && ps.length === 6 && ps.every((p) => before.get(p.metadata!.name!) !== p.metadata!.uid) ? true : undefined;
        },
        240_000,
        diagnose,
      );
      await waitFor('Ready after the rolling update', readyStatus, 120_000, diagnose);
      const rollMs = Date.now() - t0;
      report = await workload.stop();
      console.error(
        `[k8s operator] rolling update of 6 pods (config change): Ready ${(rollMs / 1000).toFixed(1)} s after the patch; lost acknowledged writes ${report.lostWrites}, ` +
          `write errors ${report.writeErrors}, longest write outage ${report.longestWriteOutageMs} ms, ${report.opsPerSec} ops/s`,
      );
      expect(report.lostWrites).toBe(0);
      expect(report.unreadableKeys).toBe(0);
      const ip = (await pods())[0]!.status!.podIP!;
      const r = new Redis({ host: ip, port: 6379, password: await password(), lazyConnect: true });
      try {
        await r.connect();
        expect(await r.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
      } finally {
        r.disconnect();
      }
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }
  });
});

describe('a StatefulSet deleted by hand', { timeout: 120_000 }, () => {
  it('is applied again at once (the StatefulSet informer), and adopts the running pods', async () => {
    const apps = env.kc.makeApiClient(AppsV1Api);
    const uids = new Map((await pods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]));
    const old = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
    const t0 = Date.now();
    await apps.deleteNamespacedStatefulSet({ name: NAME, namespace: NS, propagationPolicy: 'Orphan' });
    const back = await waitFor(
      'StatefulSet re-applied',
      async () => {
        const sts = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS }).catch(() => undefined);
        return sts && sts.metadata?.uid !== old.metadata?.uid ? sts : undefined;
      },
      30_000,
      diagnose,
    );
    console.error(`[k8s operator] StatefulSet deleted by hand: applied again after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(back.spec?.replicas).toBe(6);
    await waitFor('Ready', readyStatus, 60_000, diagnose);
    // The same pods, not re-created.
    expect(new Map((await pods()).map((p) => [p.metadata!.name!, p.metadata!.uid!]))).toEqual(uids);
  });
});

describe('two operators (leader election)', { timeout: 120_000 }, () => {
  it('only the lease holder acts; when it dies the other takes over and keeps the cluster', async () => {
    const secondLog: string[] = [];
    const second = startOperator(env.kubeconfigPath, secondLog);
    try {
      await waitFor(
        'the second operator waiting for the lease',
        async () => (secondLog.some((l) => l.includes('waiting for lease')) ? true : undefined),
        30_000,
        async () => secondLog.join('\n'),
      );
      // Evidence instead of a sleep: the holder renews its lease past a whole lease duration
      // (3 s) after the second began waiting, when the second would take a lease nobody renews.
      const [, leaseNs, leaseName, holder] = /waiting for lease ([^/\s]+)\/(\S+), held by (\S+)/.exec(secondLog.join('\n'))!;
      const coordination = env.kc.makeApiClient(CoordinationV1Api);
      const waitingSince = Date.now();
      await waitFor(
        'the lease renewed by its holder past a full lease duration',
        async () => {
          const lease = await coordination.readNamespacedLease({ name: leaseName!, namespace: leaseNs! });
          return lease.spec?.holderIdentity === holder && new Date(lease.spec?.renewTime ?? 0).getTime() > waitingSince + 3000 ? true : undefined;
        },
        30_000,
        async () => secondLog.join('\n'),
      );
      expect(secondLog.join('\n')).not.toMatch(/leading|keeping/);
      const t0 = Date.now();
      operator!.kill('SIGKILL'); // no release: the lease must expire
      await waitFor(
        'the second operator leading',
        async () => (secondLog.some((l) => l.includes('leading:')) ? true : undefined),
        30_000,
        async () => secondLog.join('\n'),
      );
      console.error(`[k8s operator] leader killed: the other operator took the lease after ${((Date.now() - t0) / 1000).toFixed(1)} s (lease 3 s)`);
      // The new leader keeps the cluster: a deleted replica pod comes back and the cluster is Ready.
      const victim = await pod(`${NAME}-4`);
      await core.deleteNamespacedPod({ name: `${NAME}-4`, namespace: NS });
      await waitFor('pod re-created', async () => ((await pod(`${NAME}-4`).catch(() => undefined))?.metadata?.uid !== victim.metadata?.uid ? true : undefined), 60_000, diagnose);
      await waitFor('Ready under the new leader', readyStatus, 60_000, diagnose);
      expect(secondLog.join('\n')).toMatch(/keeping/);
    } finally {
      // The second operator is now the one the remaining tests (and afterAll) stop.
      opLog.push(...secondLog);
      operator = second;
    }
  });
});

describe('a RedisCluster the CRD accepts but the spec schema refuses', { timeout: 60_000 }, () => {
  it('is reported as Invalid with the reason, and nothing is deployed', async () => {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisCluster', metadata: { name: 'owned' }, spec: { redis: { config: { port: 7000 } } } },
    });
    const s = await waitFor('status Invalid', async () => {
      const o = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'owned' })) as {
        status?: ClusterStatus;
      };
      return o.status?.phase === 'Invalid' ? o.status : undefined;
    });
    expect(s.conditions[0]!.message).toMatch(/spec\.redis\.config\.port: cannot be overridden/);
    await expect(env.kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ name: 'owned', namespace: NS })).rejects.toThrow();
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'owned' });
  });
});

describe('deleting the RedisCluster', { timeout: 120_000 }, () => {
  it('removes its objects and keeps its volumes by default', async () => {
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME });
    const apps = env.kc.makeApiClient(AppsV1Api);
    await waitFor(
      'StatefulSet collected',
      async () =>
        await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS }).then(
          () => undefined,
          () => true,
        ),
    );
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items;
    // Members 6 to 8 (the scale tests) keep their claims too, as a StatefulSet's scale-in does: their nodes were reset, so
    // a later scale-out finds them empty.
    expect(claims.map((c) => c.metadata!.name).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => `data-${NAME}-${i}`));
    // The password stays with the volumes.
    expect((await core.readNamespacedSecret({ name: `${NAME}-auth`, namespace: NS })).data?.password).toBeTruthy();
  });
});

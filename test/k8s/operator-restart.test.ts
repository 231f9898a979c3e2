/**
 * The operator's own restart touches no member (issue 12, item 1). A RedisCluster with
 * persistence off (so any redis restart would lose its keys) is Ready with keys written;
 * the operator (`rck operator --kubeconfig` from dist/) is SIGKILLed, the spec is changed
 * while no operator runs (only the NetworkPolicy depends on that field), and a new operator
 * is started. Once the new one has taken the lease, applied every object and written a
 * Ready status for the new generation, every pod is the same pod (UID), no container
 * restarted, every redis-server is the same process (run_id, process_id), every node kept
 * its role, node id and master, and every key written before is still there.
 */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, NetworkingV1Api, PatchStrategy, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION, redisClusterCrd } from '../../src/manifests/crd.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import type { ClusterStatus } from '../../src/platform/kubernetes/status.js';
import { ClusterView } from './cluster-view.js';
import { type K8sTestEnv, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { type OperatorProcess, startOperator as startOperatorProcess, stopOperator } from './operator-process.js';
import { waitFor } from './wait.js';

const NS = 'rck-restart';
const NAME = 'keeper';
const KEYS = 3000;
const MEMBERS = 6;

let env: K8sTestEnv;
let core: CoreV1Api;
let custom: CustomObjectsApi;
/** Every operator this file started, stopped in afterAll whatever happened. */
const operators: OperatorProcess[] = [];
const startOperator = (kubeconfig: string) => {
  const op = startOperatorProcess(kubeconfig, NS);
  operators.push(op);
  return op;
};

beforeAll(async () => {
  env = await startK8sTestEnv();
  core = env.kc.makeApiClient(CoreV1Api);
  custom = env.kc.makeApiClient(CustomObjectsApi);
  await new Applier(env.kc).apply(redisClusterCrd());
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitForDefaultServiceAccount(env.kc, NS);
}, 60 * 60_000);

afterAll(async () => {
  for (const op of operators) await stopOperator(op);
  if (process.env.RCK_K8S_DEBUG) for (const op of operators) console.error(op.log.join('\n'));
  await env?.stop();
}, 180_000);

const rcObject = async () =>
  (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME })) as {
    metadata: { generation: number };
    status?: ClusterStatus;
  };
const readyAt = (generation: number) => async () => {
  const s = (await rcObject()).status;
  return s?.observedGeneration === generation && s.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined;
};
const pods = async () => (await core.listNamespacedPod({ namespace: NS })).items.filter((p) => !p.metadata?.deletionTimestamp);

const view = () => new ClusterView(env.kc, NS, NAME);
const password = () => view().password();
const onNode = <T>(ip: string, f: (r: Redis) => Promise<T>) => view().onNode(ip, f);

const field = (info: string, name: string) => info.match(new RegExp(`^${name}:(.*)$`, 'm'))?.[1]?.trim();

/** What a restart, a re-creation or a failover of any member would change. */
interface MemberSnapshot {
  uid: string;
  ip: string;
  containers: { name: string; restartCount: number; containerID?: string; startedAt?: string }[];
  runId: string;
  pid: string;
  role: string;
  nodeId: string;
  /** The node id of its master ('-' for a master). */
  masterId: string;
  keys: number;
}

async function snapshot(): Promise<Map<string, MemberSnapshot>> {
  const out = new Map<string, MemberSnapshot>();
  for (const p of (await pods()).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))) {
    const ip = p.status!.podIP!;
    const node = await onNode(ip, async (r) => {
      const server = await r.info('server');
      const nodes = (await r.call('CLUSTER', 'NODES')) as string;
      const myself = nodes
        .split('\n')
        .find((l) => l.split(' ')[2]?.includes('myself'))!
        .split(' ');
      return {
        runId: field(server, 'run_id')!,
        pid: field(server, 'process_id')!,
        role: ((await r.call('ROLE')) as string[])[0]!,
        nodeId: myself[0]!,
        masterId: myself[3]!,
        keys: await r.dbsize(),
      };
    });
    out.set(p.metadata!.name!, {
      uid: p.metadata!.uid!,
      ip,
      containers: (p.status?.containerStatuses ?? []).map((c) => ({
        name: c.name,
        restartCount: c.restartCount,
        containerID: c.containerID,
        startedAt: String(c.state?.running?.startedAt),
      })),
      ...node,
    });
  }
  return out;
}

/** Keys by GET through a cluster client: how many of the written ones read back with their value. */
async function readBack(ip: string, keys: string[]): Promise<number> {
  const c = new Cluster([{ host: ip, port: 6379 }], { redisOptions: { password: await password() } });
  try {
    let ok = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500);
      const values = await Promise.all(batch.map((k) => c.get(k)));
      ok += values.filter((v, j) => v === `value-${batch[j]}`).length;
    }
    return ok;
  } finally {
    c.disconnect();
  }
}

/** A spec change only the NetworkPolicy depends on; returns the new generation. */
async function patchAllowed(cidr: string): Promise<number> {
  const o = (await custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME, body: { spec: { kubernetes: { clientAllowedFrom: [{ cidr }] } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as { metadata: { generation: number } };
  return o.metadata.generation;
}

async function diagnose(): Promise<string> {
  const s = (await rcObject().catch(() => undefined))?.status;
  const ps = (await core.listNamespacedPod({ namespace: NS })).items.map(
    (p: V1Pod) => `${p.metadata?.name} ${p.status?.phase} ip=${p.status?.podIP} restarts=${p.status?.containerStatuses?.map((c) => c.restartCount).join(',')}`,
  );
  return [`status: ${JSON.stringify(s)}`, ...ps, ...operators.flatMap((o, i) => o.log.slice(-20).map((l) => `[operator ${i}] ${l}`))].join('\n');
}

describe("the operator's own restart", { timeout: 300_000 }, () => {
  it('SIGKILLed and replaced: the new operator takes over and restarts, re-creates and fails over no member; every key kept', async () => {
    const first = startOperator(env.kubeconfigPath);
    await waitFor('operator leading', async () => (first.log.some((l) => l.includes('leading:')) ? true : undefined), 30_000, diagnose);
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
          // Persistence off: a member restarted by the take-over would come back empty.
          persistence: { enabled: false },
          kubernetes: { terminationGracePeriodSeconds: 10 },
        },
      },
    });
    const created = await waitFor('RedisCluster Ready', readyAt((await rcObject()).metadata.generation), 240_000, diagnose);
    expect(created).toMatchObject({ phase: 'Ready', readyMembers: MEMBERS, shards: 3, members: MEMBERS });

    const keys = Array.from({ length: KEYS }, (_, i) => `restart-key-${i}`);
    const ip0 = (await pods())[0]!.status!.podIP!;
    const c = new Cluster([{ host: ip0, port: 6379 }], { redisOptions: { password: await password() } });
    try {
      for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((k) => c.set(k, `value-${k}`)));
    } finally {
      c.disconnect();
    }
    // Every replica holds its master's keys before the snapshot, so the numbers compare exactly.
    const before = await waitFor(
      'replicas caught up with their masters',
      async () => {
        const s = await snapshot();
        const masters = [...s.values()].filter((m) => m.role === 'master');
        const replicas = [...s.values()].filter((m) => m.role === 'slave');
        const synced = replicas.every((r) => r.keys === masters.find((m) => m.nodeId === r.masterId)?.keys);
        return s.size === MEMBERS && masters.length === 3 && masters.reduce((n, m) => n + m.keys, 0) === KEYS && synced ? s : undefined;
      },
      30_000,
      diagnose,
    );
    const apps = env.kc.makeApiClient(AppsV1Api);
    const stsBefore = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
    const eventsOf = async () =>
      (await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.kind=RedisCluster,involvedObject.name=${NAME}` })).items
        .map((e) => `${e.metadata?.uid} ${e.reason} x${e.count}`)
        .sort();
    const eventsBefore = await eventsOf();

    const t0 = Date.now();
    await stopOperator(first, 'SIGKILL'); // no release: the new operator waits for the lease to lapse
    // A spec change while no operator runs: the new operator's Ready status for this
    // generation proves it applied the objects and completed a pass after the take-over.
    const generation = await patchAllowed('127.0.0.0/8');
    expect(generation).toBeGreaterThan(created.observedGeneration!);
    const second = startOperator(env.kubeconfigPath);
    await waitFor('the new operator leading', async () => (second.log.some((l) => l.includes('leading:')) ? true : undefined), 30_000, diagnose);
    const tLead = Date.now();
    const after = await waitFor('Ready for the new generation, written by the new operator', readyAt(generation), 60_000, diagnose);
    console.error(
      `[k8s operator restart] operator SIGKILLed: the new one led after ${((tLead - t0) / 1000).toFixed(1)} s (lease 3 s), ` +
        `Ready for generation ${generation} after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    expect(after).toMatchObject({ phase: 'Ready', readyMembers: MEMBERS, shards: 3, members: MEMBERS });
    // Ready never went False: the new operator keeps its transition time.
    const readySince = (s: ClusterStatus) => s.conditions.find((x) => x.type === 'Ready')?.lastTransitionTime;
    expect(readySince(after)).toBe(readySince(created));
    const log = second.log.join('\n');
    expect(log).toContain(`${NS}/${NAME}: keeping`);
    expect(log).toContain(`${NS}/${NAME}: applied`);
    expect(log).toContain(`(generation ${generation})`);
    // And at least one more full pass under the new operator: a second change, handled too.
    const again = await patchAllowed('127.1.0.0/16');
    await waitFor('Ready for the second change', readyAt(again), 60_000, diagnose);
    const np = await env.kc.makeApiClient(NetworkingV1Api).readNamespacedNetworkPolicy({ name: NAME, namespace: NS });
    expect(JSON.stringify(np.spec?.ingress)).toContain('127.1.0.0/16');

    // No member touched: same pods, no container restart, the same redis processes.
    const now = await snapshot();
    expect([...now.keys()]).toEqual([...before.keys()]);
    for (const [name, b] of before) {
      const a = now.get(name)!;
      expect({ name, uid: a.uid, ip: a.ip, containers: a.containers }).toEqual({ name, uid: b.uid, ip: b.ip, containers: b.containers });
      expect(b.containers.every((x) => x.restartCount === 0)).toBe(true);
      expect({ name, runId: a.runId, pid: a.pid }).toEqual({ name, runId: b.runId, pid: b.pid });
      // Nothing failed over or re-replicated.
      expect({ name, role: a.role, nodeId: a.nodeId, masterId: a.masterId }).toEqual({ name, role: b.role, nodeId: b.nodeId, masterId: b.masterId });
      expect({ name, keys: a.keys }).toEqual({ name, keys: b.keys });
    }
    expect([...now.values()].filter((m) => m.role === 'master')).toHaveLength(3);
    expect([...now.values()].filter((m) => m.role === 'master').reduce((n, m) => n + m.keys, 0)).toBe(KEYS);
    expect(await readBack(ip0, keys)).toBe(KEYS);
    // The StatefulSet's pod template is unchanged (no rolling update), and the new operator recorded no action.
    const stsAfter = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
    expect([stsAfter.metadata?.uid, stsAfter.metadata?.generation, stsAfter.status?.updateRevision]).toEqual([
      stsBefore.metadata?.uid,
      stsBefore.metadata?.generation,
      stsBefore.status?.updateRevision,
    ]);
    expect(await eventsOf()).toEqual(eventsBefore);
  });
});

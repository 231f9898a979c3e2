/**
 * One RedisCluster on the K8s test tier as a test sees it: its status, its pods, what each
 * member's node says, its Events. For the crash tests, which compare members before and after.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Redis, type RedisOptions } from 'ioredis';
import { GROUP, PLURAL, VERSION } from '../../src/manifests/crd.js';
import type { ClusterStatus } from '../../src/platform/kubernetes/status.js';

export interface NodeState {
  pod: string;
  ip: string;
  uid: string;
  restarts: number;
  role: string;
  nodeId: string;
  masterId: string;
  keys: number;
  /** The redis-server's host pid (the test kubelet runs containers as host processes). */
  pid: number;
}

export class ClusterView {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
    /** Added to every connection to a node (TLS for a cluster with spec.tls). */
    private readonly nodeOptions: RedisOptions = {},
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async status(): Promise<ClusterStatus | undefined> {
    const o = await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name: this.name });
    return (o as { status?: ClusterStatus }).status;
  }

  static isReady(s: ClusterStatus | undefined): boolean {
    return s?.conditions.find((c) => c.type === 'Ready')?.status === 'True';
  }

  async pods(): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `rck.dev/cluster=${this.name}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  async password(): Promise<string> {
    const s = await this.core.readNamespacedSecret({ name: `${this.name}-auth`, namespace: this.namespace });
    return Buffer.from(s.data!.password!, 'base64').toString('utf8');
  }

  async onNode<T>(ip: string, f: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis({ host: ip, port: 6379, password: await this.password(), lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, ...this.nodeOptions });
    r.on('error', () => {});
    try {
      await r.connect();
      return await f(r);
    } finally {
      r.disconnect();
    }
  }

  /** Every member as its pod and its node say; a member that does not answer yet is left out. */
  async nodes(): Promise<NodeState[]> {
    const out: NodeState[] = [];
    for (const p of await this.pods()) {
      const ip = p.status?.podIP;
      if (!ip) continue;
      const n = await this.onNode(ip, async (r) => {
        const myself = ((await r.call('CLUSTER', 'NODES')) as string)
          .split('\n')
          .find((l) => l.split(' ')[2]?.includes('myself'))!
          .split(' ');
        const pid = Number((await r.info('server')).match(/^process_id:(\d+)/m)![1]);
        // DBSIZE is refused while a node is closed (admission pending): count it as 0 keys.
        const keys = await r.dbsize().catch(() => 0);
        return { role: ((await r.call('ROLE')) as string[])[0]!, nodeId: myself[0]!, masterId: myself[3]!, keys, pid };
      }).catch(() => undefined);
      if (n) out.push({ pod: p.metadata!.name!, ip, uid: p.metadata!.uid!, restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0, ...n });
    }
    return out.sort((a, b) => a.pod.localeCompare(b.pod));
  }

  /** The Events on the RedisCluster. */
  async events() {
    return (await this.core.listNamespacedEvent({ namespace: this.namespace, fieldSelector: `involvedObject.kind=RedisCluster,involvedObject.name=${this.name}` })).items;
  }

  async diagnose(operatorLog: string[] = []): Promise<string> {
    const s = await this.status().catch(() => undefined);
    const ps = (await this.pods()).map(podLine);
    const ns = await this.nodes().catch(() => []);
    const warnings = await warningEvents(this.core, this.namespace).catch(() => []);
    return [`status: ${JSON.stringify(s)}`, ...ps, ...ns.map((n) => JSON.stringify(n)), ...warnings, ...operatorLog.slice(-30)].join('\n');
  }
}

/** A pod as a failure message needs it: where it runs, or why it does not (scheduler, kubelet). */
export function podLine(p: V1Pod): string {
  const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const waiting = p.status?.containerStatuses?.map((c) => c.state?.waiting?.reason).filter(Boolean);
  return [
    `${p.metadata?.namespace}/${p.metadata?.name} ${p.status?.phase} node=${p.spec?.nodeName ?? '-'} ip=${p.status?.podIP ?? '-'}`,
    `restarts=${p.status?.containerStatuses?.map((c) => c.restartCount).join(',') ?? '-'}`,
    scheduled?.status === 'False' ? `unscheduled: ${scheduled.reason} ${scheduled.message ?? ''}` : '',
    waiting?.length ? `waiting: ${waiting.join(',')}` : '',
    p.status?.message ?? '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The namespace's Warning events (FailedScheduling, FailedMount, BackOff...). */
export async function warningEvents(core: CoreV1Api, namespace: string): Promise<string[]> {
  const items = (await core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' })).items;
  return items.map((e) => `event ${e.involvedObject?.kind}/${e.involvedObject?.name} ${e.reason} x${e.count ?? 1}: ${e.message ?? ''}`);
}

/** `masters` masters holding `total` keys, each replica holding exactly its master's keys. */
export function synced(ns: NodeState[], members: number, masters: number, total: number): boolean {
  const m = ns.filter((n) => n.role === 'master');
  const replicas = ns.filter((n) => n.role === 'slave');
  return (
    ns.length === members && m.length === masters && m.reduce((s, x) => s + x.keys, 0) === total && replicas.every((r) => r.keys === m.find((x) => x.nodeId === r.masterId)?.keys)
  );
}

/**
 * Members of a cluster on Kubernetes: the StatefulSet's pods, addressed by pod IP (no
 * cluster DNS or kube-proxy needed), with their node's zone as failure domain.
 */
import { type AppsV1Api, type CoreV1Api, PatchStrategy, type V1Pod, type V1PodTemplateSpec, type V1StatefulSet, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterPlatform } from '../../controller/cluster-platform.js';
import type { MemberView } from '../../topology/observation.js';
import { REDIS_PORT, RESTART_HASH_ANNOTATION } from '../../manifests/names.js';
import { EXTERNAL_FOR_LABEL } from '../../manifests/external.js';
import { memberName } from '../../spec/members.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface PodMembersOptions {
  core: CoreV1Api;
  apps: AppsV1Api;
  namespace: string;
  cluster: string;
  statefulSet: string;
  /** Label selector of the cluster's pods. */
  selector: string;
  /** spec.kubernetes.externalAccess: read each member's load balancer address. */
  externalAccess?: () => boolean;
  /** The operator's watch cache, when this pass may read it instead of the API (cluster-keeper.ts). */
  cache?: () => WatchCache | undefined;
}

/**
 * The operator's watches of the clusters' pods and StatefulSets (operator.ts), read-only.
 * Objects as the watch sent them: times are strings, which every reader here accepts.
 */
export interface WatchCache {
  /** False while a watch is down: its objects may be stale. */
  synced(): boolean;
  pods(namespace: string): readonly V1Pod[];
  statefulSet(namespace: string, name: string): V1StatefulSet | undefined;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The StatefulSet, or undefined when it does not exist (yet); from the cache when given one. */
export async function readStatefulSet(apps: AppsV1Api, name: string, namespace: string, cache?: WatchCache): Promise<V1StatefulSet | undefined> {
  if (cache) return cache.statefulSet(namespace, name);
  try {
    return await apps.readNamespacedStatefulSet({ name, namespace });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The StatefulSet's replicas, or undefined when it does not exist (yet). */
export function statefulSetReplicas(sts: V1StatefulSet | undefined): number | undefined {
  return sts && (sts.spec?.replicas ?? 1);
}

/** Whether the labels match a selector of the form k=v,k=v. */
function selected(labels: Record<string, string> | undefined, selector: string): boolean {
  return selector.split(',').every((kv) => {
    const [k, v] = kv.split('=');
    return labels?.[k!] === v;
  });
}

export class PodMemberSource implements ClusterPlatform {
  /** Zone by node name; a node's zone does not change while it lives. */
  private zones = new Map<string, string>();

  constructor(private readonly o: PodMembersOptions) {}

  /**
   * The member's recent log (container `redis`, as `kubectl logs` shows it): the controller
   * reads refused PSYNCs there to size writes Redis discarded (controller/loss-watch.ts).
   * Needs `get` on `pods/log`; where it fails, such a loss is reported with no size.
   */
  async recentLog(member: string): Promise<string> {
    return this.o.core.readNamespacedPodLog({ name: member, namespace: this.o.namespace, container: 'redis', tailLines: 2000 });
  }

  /**
   * Members are the StatefulSet's ordinals 0..replicas-1: a pod missing counts as
   * down, so nothing is created without it. No StatefulSet yet: no members.
   */
  async listMembers(): Promise<MemberView[]> {
    const cache = this.o.cache?.();
    const sts = await readStatefulSet(this.o.apps, this.o.statefulSet, this.o.namespace, cache);
    const count = sts ? (sts.spec?.replicas ?? 1) : 0;
    const pods = cache
      ? cache.pods(this.o.namespace).filter((p) => selected(p.metadata?.labels, this.o.selector))
      : (await this.o.core.listNamespacedPod({ namespace: this.o.namespace, labelSelector: this.o.selector })).items;
    const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
    const external = this.o.externalAccess?.() ? await this.loadBalancers() : new Map<string, string>();
    const out: MemberView[] = [];
    for (let ordinal = 0; ordinal < count; ordinal++) {
      const name = memberName(this.o.cluster, ordinal);
      const pod = byName.get(name);
      const restartFor = pod && sts?.spec?.template ? outdated(pod, sts.spec.template) : undefined;
      out.push({
        name,
        ordinal,
        address: { host: pod?.status?.podIP ?? '0.0.0.0', port: REDIS_PORT },
        domain: pod?.spec?.nodeName ? await this.domainOf(pod.spec.nodeName) : 'unscheduled',
        up: pod !== undefined && isUp(pod),
        ...(pod && lastExitAt(pod) ? { lastExitAt: lastExitAt(pod) } : {}),
        ...(restartFor ? { outdated: restartFor } : {}),
        ...(external.has(name) ? { external: external.get(name) } : {}),
      });
    }
    return out;
  }

  /** Member -> its load balancer's address (IP or DNS name), for those that have one yet. */
  private async loadBalancers(): Promise<Map<string, string>> {
    const services = await this.o.core.listNamespacedService({ namespace: this.o.namespace, labelSelector: `${this.o.selector},${EXTERNAL_FOR_LABEL}` });
    const out = new Map<string, string>();
    for (const svc of services.items) {
      const ingress = svc.status?.loadBalancer?.ingress?.[0];
      const at = ingress?.ip ?? ingress?.hostname;
      const member = svc.metadata?.labels?.[EXTERNAL_FOR_LABEL];
      if (member && at) out.set(member, at);
    }
    return out;
  }

  /**
   * Deletes the pod (graceful: its preStop hands a master role over); the StatefulSet
   * re-creates it from the current template (updateStrategy OnDelete: only rck rolls pods).
   */
  async restartMember(name: string): Promise<void> {
    await this.o.core.deleteNamespacedPod({ name, namespace: this.o.namespace });
  }

  /** Scales the StatefulSet (its scale subresource): new ordinals get new claims; removed ones keep theirs. */
  async setMemberCount(count: number): Promise<void> {
    await this.o.apps.patchNamespacedStatefulSetScale({ name: this.o.statefulSet, namespace: this.o.namespace, body: { spec: { replicas: count } } }, mergePatch);
  }

  private async domainOf(node: string): Promise<string> {
    let zone = this.zones.get(node);
    if (zone === undefined) {
      try {
        const n = await this.o.core.readNode({ name: node });
        zone = n.metadata?.labels?.[ZONE_LABEL] ?? node;
      } catch {
        return node; // not cached: a later pass reads it again
      }
      this.zones.set(node, zone);
    }
    return zone;
  }
}

/**
 * Running with an IP and not being deleted (a terminating master is handing over).
 * Not readiness: a replica that lost its master is unready but must be observed,
 * since it is the one to promote; the controller talks to each node itself.
 */
export function isUp(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running' && Boolean(pod.status.podIP);
}

/**
 * Why the pod must restart to run what the template says, or undefined: another image for
 * the redis container, or another restart hash (redis.conf, resources: what rck renders from
 * the spec). Other template changes (a new rck version's scripts, labels) wait for the pod's
 * next restart, so a new operator adopts running clusters without restarting them. A pod
 * without the hash (made by an older rck) is compared by image only.
 */
export function outdated(pod: V1Pod, template: V1PodTemplateSpec): string | undefined {
  const want = template.spec?.containers.find((c) => c.name === 'redis')?.image;
  const runs = pod.spec?.containers.find((c) => c.name === 'redis')?.image;
  if (want !== undefined && runs !== undefined && want !== runs) return `it runs image ${runs}, the spec says ${want}`;
  const hash = pod.metadata?.annotations?.[RESTART_HASH_ANNOTATION];
  const wantHash = template.metadata?.annotations?.[RESTART_HASH_ANNOTATION];
  if (hash !== undefined && wantHash !== undefined && hash !== wantHash) return 'its redis.conf, resources or announced address changed';
  return undefined;
}

/** When the kubelet last reported the redis container terminated (now, or before its last restart). */
export function lastExitAt(pod: V1Pod): number | undefined {
  const c = pod.status?.containerStatuses?.find((x) => x.name === 'redis');
  const finished = c?.state?.terminated?.finishedAt ?? c?.lastState?.terminated?.finishedAt;
  return finished ? new Date(finished).getTime() : undefined;
}

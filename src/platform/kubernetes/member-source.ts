/**
 * Members of a cluster on Kubernetes: the StatefulSet's pods, addressed by pod IP (no
 * cluster DNS or kube-proxy needed), with their node's zone as failure domain.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { MemberSource } from '../../controller/observe.js';
import type { MemberView } from '../../controller/observation.js';
import { REDIS_PORT } from '../../manifests/names.js';
import { memberName } from '../../spec/members.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface PodMembersOptions {
  core: CoreV1Api;
  namespace: string;
  cluster: string;
  /** Label selector of the cluster's pods. */
  selector: string;
  /** Members the spec asks for: pods missing count as down, so nothing is created without them. */
  count: number;
}

export class PodMemberSource implements MemberSource {
  /** Zone by node name; a node's zone does not change while it lives. */
  private zones = new Map<string, string>();

  constructor(private readonly o: PodMembersOptions) {}

  async listMembers(): Promise<MemberView[]> {
    const pods = (await this.o.core.listNamespacedPod({ namespace: this.o.namespace, labelSelector: this.o.selector })).items;
    const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
    const out: MemberView[] = [];
    for (let ordinal = 0; ordinal < this.o.count; ordinal++) {
      const name = memberName(this.o.cluster, ordinal);
      const pod = byName.get(name);
      out.push({
        name,
        ordinal,
        address: { host: pod?.status?.podIP ?? '0.0.0.0', port: REDIS_PORT },
        domain: pod?.spec?.nodeName ? await this.domainOf(pod.spec.nodeName) : 'unscheduled',
        up: pod !== undefined && isUp(pod),
      });
    }
    return out;
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

/** Running, Ready, with an IP, and not being deleted (a terminating master is handing over). */
export function isUp(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    Boolean(pod.status.podIP) &&
    (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
  );
}

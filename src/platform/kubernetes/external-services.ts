/**
 * External access: the per-member LoadBalancer Services (manifests/external.ts) of members the
 * cluster no longer has. A scale-in retires members, and the StatefulSet shrinks, but a
 * Service is never re-rendered for them and nothing removed it: each kept a cloud load
 * balancer, and its cost, for nothing. Once a pass has settled (the retirement is done) and
 * the member has no pod, its Service is deleted. With external access turned off, every
 * member's Service goes, and the ConfigMap of their addresses, once a pass has settled: the
 * members announce their IPs again by then (plan/heal/external.ts). Listed again only when the
 * member count or external access changed.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { EXTERNAL_FOR_LABEL } from '../../manifests/external.js';
import { CLUSTER_LABEL, namesOf } from '../../manifests/names.js';
import { memberCount, memberName } from '../../spec/members.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { MemberView } from '../../topology/observation.js';

export class ExternalServices {
  /** What was pruned for last: the member count, or 'off'. */
  private prunedFor?: number | 'off';

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: (line: string) => void,
  ) {}

  /** After a settled pass: deletes the Services of members beyond the spec that have no pod, or all of them when external access is off. */
  async prune(rc: RedisCluster, members: readonly MemberView[]): Promise<void> {
    const on = rc.spec.kubernetes.externalAccess !== undefined;
    const count = memberCount(rc.spec);
    const key = on ? count : 'off';
    if (key === this.prunedFor) return;
    const wanted = new Set(on ? Array.from({ length: count }, (_, i) => memberName(rc.metadata.name, i)) : []);
    const running = new Set(on ? members.map((m) => m.name) : []);
    const { namespace, externalAddresses } = namesOf(rc);
    const services = await this.core.listNamespacedService({ namespace, labelSelector: `${CLUSTER_LABEL}=${rc.metadata.name},${EXTERNAL_FOR_LABEL}` });
    for (const s of services.items) {
      const member = s.metadata?.labels?.[EXTERNAL_FOR_LABEL] ?? '';
      if (wanted.has(member) || running.has(member)) continue;
      await this.core.deleteNamespacedService({ name: s.metadata!.name!, namespace }).catch(ignoreNotFound);
      this.log(`deleted Service ${s.metadata!.name}: ${on ? `member ${member} is retired (scale-in)` : 'external access is off'}`);
    }
    // A cluster that never had external access has no such ConfigMap: deleted only after Services were found.
    if (!on && services.items.length > 0) await this.core.deleteNamespacedConfigMap({ name: externalAddresses, namespace }).catch(ignoreNotFound);
    this.prunedFor = key;
  }
}

function ignoreNotFound(err: { code?: number }): void {
  if (err.code !== 404) throw err;
}

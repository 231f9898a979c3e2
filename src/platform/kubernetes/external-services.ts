/**
 * External access: the per-member LoadBalancer Services (manifests/external.ts) of members the
 * cluster no longer has. A scale-in retires members, and the StatefulSet shrinks, but a
 * Service is never re-rendered for them and nothing removed it: each kept a cloud load
 * balancer, and its cost, for nothing. Once a pass has settled (the retirement is done) and
 * the member has no pod, its Service is deleted. Listed again only when the member count changed.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { EXTERNAL_FOR_LABEL } from '../../manifests/external.js';
import { CLUSTER_LABEL, namesOf } from '../../manifests/names.js';
import { memberCount, memberName } from '../../spec/members.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { MemberView } from '../../topology/observation.js';

export class ExternalServices {
  /** The member count whose leftovers were removed last. */
  private prunedFor?: number;

  constructor(
    private readonly core: CoreV1Api,
    private readonly log: (line: string) => void,
  ) {}

  /** After a settled pass: deletes the Services of members beyond the spec that have no pod. */
  async prune(rc: RedisCluster, members: readonly MemberView[]): Promise<void> {
    if (!rc.spec.kubernetes.externalAccess) return;
    const count = memberCount(rc.spec);
    if (count === this.prunedFor) return;
    const wanted = new Set(Array.from({ length: count }, (_, i) => memberName(rc.metadata.name, i)));
    const running = new Set(members.map((m) => m.name));
    const { namespace } = namesOf(rc);
    const services = await this.core.listNamespacedService({ namespace, labelSelector: `${CLUSTER_LABEL}=${rc.metadata.name},${EXTERNAL_FOR_LABEL}` });
    for (const s of services.items) {
      const member = s.metadata?.labels?.[EXTERNAL_FOR_LABEL] ?? '';
      if (wanted.has(member) || running.has(member)) continue;
      await this.core.deleteNamespacedService({ name: s.metadata!.name!, namespace }).catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
      this.log(`deleted Service ${s.metadata!.name}: member ${member} is retired (scale-in)`);
    }
    this.prunedFor = count;
  }
}

/**
 * External access: ConfigMap <name>-external holds each member's load balancer address
 * (key: the pod's name). Pods mount it, so a re-created member announces its load balancer
 * from its first reply (start.sh) instead of sending clients to an unknown endpoint ('?')
 * until the controller's next pass. Rewritten only when an address changes.
 */
import type { V1ConfigMap, V1OwnerReference } from '@kubernetes/client-node';
import { meta, namesOf } from '../../manifests/names.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { MemberView } from '../../topology/observation.js';
import type { Applier } from './apply.js';

/** An IP or DNS name, as a load balancer's status gives it: nothing that could add a line to redis.conf. */
const ADDRESS = /^[A-Za-z0-9.:-]{1,253}$/;

export class ExternalAddresses {
  private written?: string;

  constructor(private readonly applier: Applier) {}

  async sync(rc: RedisCluster, members: readonly MemberView[], owner: V1OwnerReference): Promise<void> {
    if (!rc.spec.kubernetes.externalAccess) {
      this.written = undefined; // turned off: its ConfigMap is deleted (external-services.ts), and written again if it comes back on
      return;
    }
    const data = Object.fromEntries(members.filter((m) => m.external !== undefined && ADDRESS.test(m.external)).map((m) => [m.name, m.external!]));
    const text = JSON.stringify(data);
    if (text === this.written) return;
    const cm: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...meta(rc, namesOf(rc).externalAddresses), ownerReferences: [owner] }, data };
    await this.applier.apply(cm);
    this.written = text;
  }
}

/** The shape the controller keeps a cluster in, read from its spec. */
import { nodeTimeoutMs } from '../spec/members.js';
import type { ClusterSpec } from '../spec/schema.js';
import type { DesiredShape } from './observation.js';

export function desiredShape(spec: ClusterSpec): DesiredShape {
  return {
    masters: spec.masters,
    replicasPerMaster: spec.replicasPerMaster,
    nodeTimeoutMs: nodeTimeoutMs(spec),
    placement: spec.placement,
    replicaNoFailover: String(spec.redis.config['cluster-replica-no-failover'] ?? 'no') === 'yes',
  };
}

/** The shape the controller keeps a cluster in, read from its spec. */
import { nodeTimeoutMs } from './members.js';
import type { ClusterSpec } from './schema.js';

export interface DesiredShape {
  masters: number;
  replicasPerMaster: number;
  /** cluster-node-timeout the members run with; deadlines derive from it. */
  nodeTimeoutMs: number;
  /** cluster-replica-no-failover as the spec renders it (default: failover on). */
  replicaNoFailover?: boolean;
  placement: 'ordinal' | 'spread';
  /** appendonly: a restarted master has its data back (absent in older callers: assumed on). */
  persistence?: boolean;
  /** spec.auth.users: turned on when a closed member is admitted. */
  aclUsers?: string[];
  /** spec.auth.defaultUser is on (absent: on): admitting a member opens it. */
  defaultUserOn?: boolean;
  /**
   * What members tell clients to connect to: their IP, their stable DNS name (announce:
   * hostname), or their load balancer (externalAccess). Absent: not checked.
   */
  clientEndpoint?: 'ip' | 'hostname' | 'load-balancer';
}

const ANNOUNCE_DIRECTIVES = ['cluster-announce-hostname', 'cluster-preferred-endpoint-type'];

export function desiredShape(spec: ClusterSpec): DesiredShape {
  return {
    masters: spec.masters,
    replicasPerMaster: spec.replicasPerMaster,
    nodeTimeoutMs: nodeTimeoutMs(spec),
    placement: spec.placement,
    persistence: spec.persistence.enabled,
    replicaNoFailover: String(spec.redis.config['cluster-replica-no-failover'] ?? 'no') === 'yes',
    ...(spec.auth.users.length > 0 ? { aclUsers: spec.auth.users.map((u) => u.name) } : {}),
    ...(spec.auth.defaultUser === 'off' ? { defaultUserOn: false } : {}),
    // What members announce is rck's to keep only while the spec's redis.config leaves it alone.
    ...(ANNOUNCE_DIRECTIVES.some((d) => d in spec.redis.config)
      ? {}
      : { clientEndpoint: spec.kubernetes.externalAccess ? 'load-balancer' : spec.kubernetes.announce === 'hostname' ? 'hostname' : 'ip' }),
  };
}

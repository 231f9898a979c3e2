/**
 * The local cluster's health as `rck status` and `rck up` show it: the findings of
 * plan/health.ts (the same ones the Ready condition is made of), as lines.
 */
import { healthFindings } from '../../plan/health.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import type { ClusterModel } from '../../topology/model.js';
import type { Observation } from '../../topology/observation.js';
import { formatAddress } from '../../redis/address.js';
import type { Member } from '../platform.js';

export interface Health {
  healthy: boolean;
  /** Why not, one short line each (empty when healthy). */
  problems: string[];
  /** The engine's warnings (e.g. placement), which do not make the cluster unhealthy. */
  warnings?: string[];
}

export function localClusterHealth(obs: Observation, desired: DesiredShape): Health {
  const findings = healthFindings(obs, desired);
  const problems = findings.filter((f) => f.severity === 'error').map((f) => f.message);
  return { healthy: problems.length === 0, problems, warnings: findings.filter((f) => f.severity === 'warning').map((f) => f.message) };
}

/** The platform's members joined with the nodes a model read (a member answers when its address is in the model). */
export function observationOf(members: readonly Member[], model: ClusterModel): Observation {
  const byAddr = new Map(model.nodes.map((n) => [formatAddress(n.address), n]));
  return {
    at: model.observedAt || Date.now(),
    members: members.map((m) => {
      const node = m.up ? byAddr.get(formatAddress(m.address)) : undefined;
      return { name: m.name, ordinal: m.ordinal, address: m.address, domain: m.domain, up: m.up, ...(node ? { node } : {}) };
    }),
    model,
  };
}

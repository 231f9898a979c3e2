/**
 * Is the local cluster what the spec asks for? Pure over the observed model and the
 * platform's members, so it is unit-testable. Healthy means: every member up and in
 * the cluster, every node says cluster_state:ok, the expected number of masters, and
 * every master has its replicas with their replication link up.
 */
import { checkCluster } from '../../plan/check.js';
import { formatAddress } from '../../redis/address.js';
import type { ClusterModel } from '../../topology/model.js';
import type { Member } from '../platform.js';

export interface Health {
  healthy: boolean;
  /** Why not, one short line each (empty when healthy). */
  problems: string[];
  /** The engine's warnings (e.g. placement), which do not make the cluster unhealthy. */
  warnings?: string[];
}

export function localClusterHealth(model: ClusterModel, members: Member[], masters: number, replicasPerMaster: number): Health {
  const problems: string[] = [];
  const byAddr = new Map(model.nodes.map((n) => [formatAddress(n.address), n]));
  for (const m of members) {
    if (!m.up) problems.push(`${m.name} is ${m.phase.toLowerCase()}`);
    else if (!byAddr.has(formatAddress(m.address))) problems.push(`${m.name} (${formatAddress(m.address)}) did not answer`);
  }
  const memberNodes = members.map((m) => byAddr.get(formatAddress(m.address))).filter((n) => n !== undefined);
  for (const n of memberNodes) {
    const state = n.clusterInfo.get('cluster_state');
    if (state !== 'ok') problems.push(`${formatAddress(n.address)} reports cluster_state:${state ?? 'unknown'}`);
    const known = Number(n.clusterInfo.get('cluster_known_nodes') ?? 0);
    if (known < members.length) problems.push(`${formatAddress(n.address)} knows ${known} of ${members.length} nodes`);
  }
  const masterNodes = memberNodes.filter((n) => n.self?.role === 'master' && n.self.slots.length > 0);
  if (masterNodes.length !== masters) problems.push(`${masterNodes.length} masters serve slots, expected ${masters}`);
  for (const m of masterNodes) {
    const replicas = memberNodes.filter((r) => r.self?.role === 'replica' && r.self.masterId === m.id);
    const linked = replicas.filter((r) => r.replication.masterLinkUp);
    if (linked.length < replicasPerMaster) {
      problems.push(`master ${formatAddress(m.address)} has ${linked.length} in-sync replicas, expected ${replicasPerMaster}`);
    }
  }
  // The engine's check adds what redis-cli check looks at (agreement, open slots, coverage).
  const domains = new Map(members.map((m) => [formatAddress(m.address), m.domain]));
  const findings = model.nodes.length ? checkCluster(model, { replicasPerMaster, domains }) : [];
  for (const f of findings) if (f.severity === 'error') problems.push(`${f.node}: ${f.message}`);
  const warnings = findings.filter((f) => f.severity === 'warning').map((f) => `${f.node}: ${f.message}`);
  return { healthy: problems.length === 0, problems, warnings };
}

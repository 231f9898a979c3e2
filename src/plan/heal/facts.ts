/** Facts about an observation that several heal rules share. Pure. */
import type { MemberObservation, Observation } from '../../topology/observation.js';
import type { ObservedNode } from '../../topology/model.js';
import type { NodeLine } from '../../topology/cluster-nodes.js';

/** A node that has never been part of a cluster: no keys, no peers, no slots, no epoch. */
export function isFresh(n: ObservedNode): boolean {
  return (
    n.clusterEnabled && n.keys === 0 && n.table.length === 1 && (n.self?.slots.length ?? 0) === 0 && n.self?.role === 'master' && n.clusterInfo.get('cluster_current_epoch') === '0'
  );
}

/** Up members whose node answered. */
export function answering(obs: Observation): (MemberObservation & { node: ObservedNode })[] {
  return obs.members.filter((m): m is MemberObservation & { node: ObservedNode } => m.up && m.node !== undefined && m.node.clusterEnabled);
}

/** Part of a cluster: knows peers, owns slots, replicates, or has taken an epoch. */
export function isClustered(n: ObservedNode): boolean {
  return n.table.length > 1 || (n.self?.slots.length ?? 0) > 0 || n.self?.role === 'replica' || n.clusterInfo.get('cluster_current_epoch') !== '0';
}

/** An in-cluster master that owns no slots (a new master, or one left empty). */
export function isSpareMaster(n: ObservedNode): boolean {
  return !isFresh(n) && isClustered(n) && n.self?.role === 'master' && n.self.slots.length === 0;
}

/** Members whose node is part of the cluster. */
export function inCluster(obs: Observation): (MemberObservation & { node: ObservedNode })[] {
  return answering(obs).filter((m) => isClustered(m.node));
}

/**
 * The cluster's view of a node id: the line most in-cluster members agree on
 * (their own line for the node itself wins, since a node knows its slots best).
 */
export function consensusLine(obs: Observation, id: string): NodeLine | undefined {
  const self = inCluster(obs).find((m) => m.node.id === id)?.node.self;
  if (self) return self;
  const lines = inCluster(obs)
    .map((m) => m.node.table.find((l) => l.id === id))
    .filter((l): l is NodeLine => l !== undefined);
  return lines.sort((a, b) => b.configEpoch - a.configEpoch)[0];
}

/** Every node id any in-cluster member knows (handshake entries excluded). */
export function knownIds(obs: Observation): Set<string> {
  const ids = new Set<string>();
  for (const m of inCluster(obs)) for (const l of m.node.table) if (!l.flags.includes('handshake')) ids.add(l.id);
  return ids;
}

/** Masters with slots in the cluster's view: id -> line. */
export function slotMasters(obs: Observation): Map<string, NodeLine> {
  const out = new Map<string, NodeLine>();
  for (const id of knownIds(obs)) {
    const line = consensusLine(obs, id);
    if (line && line.role === 'master' && line.slots.length > 0) out.set(id, line);
  }
  return out;
}

/** Member whose node has this id and answers now. */
export function memberWithId(obs: Observation, id: string): (MemberObservation & { node: ObservedNode }) | undefined {
  return answering(obs).find((m) => m.node.id === id);
}

/** Replicas (answering members) of a master id. */
export function replicaMembers(obs: Observation, masterId: string): (MemberObservation & { node: ObservedNode })[] {
  return inCluster(obs).filter((m) => m.node.self?.role === 'replica' && m.node.self.masterId === masterId);
}

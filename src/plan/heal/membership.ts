/**
 * Membership rules: re-introduce nodes that lost each other (new addresses),
 * forget node ids no member has any more, and bring empty or spare nodes in as
 * replicas of the masters that lack them. Pure.
 */
import type { MemberObservation, Observation } from '../../topology/observation.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import { formatAddress } from '../../redis/address.js';
import type { ObservedNode } from '../../topology/model.js';
import type { HealAction } from './actions.js';
import type { ScaleView } from './scale.js';
import { answering, consensusLine, inCluster, isFresh, isSpareMaster, knownIds, replicaMembers, slotMasters } from './facts.js';

type Answering = MemberObservation & { node: ObservedNode };

/** Every in-cluster node must know every other at its current address. */
export function planMeets(obs: Observation): HealAction[] {
  const members = inCluster(obs);
  const out: HealAction[] = [];
  for (const a of members) {
    for (const b of members) {
      if (a === b) continue;
      const line = a.node.table.find((l) => l.id === b.node.id);
      const where = formatAddress(b.address);
      if (line && line.host === b.address.host && line.port === b.address.port && !line.flags.includes('noaddr')) continue;
      // A handshake already under way to that address: Redis is on it.
      if (a.node.table.some((l) => l.flags.includes('handshake') && l.host === b.address.host && l.port === b.address.port)) continue;
      out.push({
        kind: 'meet',
        member: a.name,
        peer: b.name,
        to: b.address,
        reason: line ? `it still dials ${b.name} at ${line.host || '?'}:${line.port}, now at ${where}` : `it does not know ${b.name} (${b.node.id.slice(0, 8)})`,
      });
    }
  }
  return out;
}

/**
 * Node ids that no member has: once every member is up and answering, an id
 * none of them carries can never come back. Never forgets one that owns slots.
 */
export function planForgets(obs: Observation): { actions: HealAction[]; blocked: string[] } {
  if (obs.members.some((m) => !m.up || !m.node)) return { actions: [], blocked: [] };
  const live = new Set(answering(obs).map((m) => m.node.id));
  const actions: HealAction[] = [];
  const blocked: string[] = [];
  for (const id of knownIds(obs)) {
    if (live.has(id)) continue;
    const line = consensusLine(obs, id);
    if (line && line.slots.length > 0) {
      blocked.push(`node ${id.slice(0, 8)} owns slots but no member has it: its shard needs a replica promoted`);
      continue;
    }
    actions.push({ kind: 'forget', nodeId: id, reason: 'no member carries this node id any more (its volume was lost or replaced)' });
  }
  return { actions, blocked };
}

/**
 * Masters a replica may follow, with the kept replicas they have now, neediest
 * first: reachable masters with slots, plus the new masters a scale-out placed
 * (no slots yet), so new members spread over new and old shards alike.
 */
function mastersByNeed(obs: Observation, scale: ScaleView): { id: string; domain: string; replicas: number; ordinal: number }[] {
  const newMasters = scale.newMasters.filter((m) => inCluster(obs).includes(m)).map((m) => m.node.id);
  const ids = [...new Set([...slotMasters(obs).keys(), ...newMasters])].filter((id) => !scale.drains.includes(id));
  const masters = ids
    .map((id) => ({ id, member: inCluster(obs).find((m) => m.node.id === id) }))
    .filter((m) => m.member !== undefined && !scale.leaving.has(m.member.name))
    .map((m) => ({
      id: m.id,
      domain: m.member!.domain,
      replicas: replicaMembers(obs, m.id).filter((r) => !scale.leaving.has(r.name)).length,
      ordinal: m.member!.ordinal,
    }));
  return masters.sort((a, b) => a.replicas - b.replicas || a.ordinal - b.ordinal);
}

/** The master a new replica should follow: fewest replicas, then another domain than its own. */
function pickMaster(member: Answering, needs: ReturnType<typeof mastersByNeed>) {
  const fewest = needs[0]?.replicas;
  const candidates = needs.filter((n) => n.replicas === fewest);
  return candidates.find((n) => n.domain !== member.domain) ?? candidates[0];
}

/**
 * Empty members join as replicas (never left as orphan masters); in-cluster
 * members that are masters without slots, or replicas of a master that is gone,
 * are pointed at the master that lacks replicas most. Members leaving in a
 * scale-in and members chosen as new masters are left alone.
 */
export function planAttachments(obs: Observation, desired: DesiredShape, scale: ScaleView): HealAction[] {
  if (inCluster(obs).length === 0) return [];
  const needs = mastersByNeed(obs, scale);
  if (needs.length === 0) return [];
  const out: HealAction[] = [];
  const masters = slotMasters(obs);
  const newMasters = new Set(scale.newMasters.map((m) => m.name));
  for (const m of answering(obs)) {
    if (scale.leaving.has(m.name) || newMasters.has(m.name)) continue;
    const fresh = isFresh(m.node);
    const self = m.node.self!;
    const spare = isSpareMaster(m.node);
    const orphaned = self.role === 'replica' && (!self.masterId || !(masters.has(self.masterId) || needs.some((n) => n.id === self.masterId)));
    if (!fresh && !spare && !orphaned) continue;
    const target = pickMaster(m, needs);
    if (!target) continue;
    const why = fresh
      ? 'its node is empty (a new volume): it joins as a replica'
      : spare
        ? `it is a master without slots; ${target.replicas} of ${desired.replicasPerMaster} replica(s) on that master`
        : 'its master is gone';
    out.push(fresh ? { kind: 'join-replica', member: m.name, masterId: target.id, reason: why } : { kind: 'replicate', member: m.name, masterId: target.id, reason: why });
    target.replicas++;
    needs.sort((a, b) => a.replicas - b.replicas);
  }
  return out;
}

/**
 * After a scale, one master may have more replicas than the spec asks for while
 * another has fewer: move one kept replica over (another domain than the new
 * master's first). One move per pass.
 */
export function planReplicaBalance(obs: Observation, desired: DesiredShape, scale: ScaleView): HealAction[] {
  const needs = mastersByNeed(obs, scale);
  const short = needs.find((n) => n.replicas < desired.replicasPerMaster);
  const over = [...needs].reverse().find((n) => n.replicas > desired.replicasPerMaster);
  if (!short || !over) return [];
  const movable = replicaMembers(obs, over.id).filter((r) => !scale.leaving.has(r.name));
  const r = movable.find((x) => x.domain !== short.domain) ?? movable[0];
  if (!r) return [];
  return [
    {
      kind: 'replicate',
      member: r.name,
      masterId: short.id,
      reason: `its master has ${over.replicas} replicas and another has ${short.replicas}; the spec asks for ${desired.replicasPerMaster} each`,
    },
  ];
}

/**
 * Scaling rules: the spec's masters x replicasPerMaster against what runs. Pure.
 *
 * Members are `<name>-0..N-1` as in a StatefulSet: growing adds the highest
 * ordinals and shrinking removes them, so a member whose ordinal is N or more
 * is "leaving". The steps, each in its own pass:
 *   out: grow the member count; new members needed as masters join as empty
 *        masters (a failure domain without a master first), the others join as
 *        replicas (membership rules); then slots move onto the new masters.
 *   in:  a leaving master hands its role to a kept in-sync replica when it has
 *        one; the slots of leaving (or surplus) masters drain to the kept ones;
 *        then the leaving nodes are retired (FORGET everywhere, RESET) and only
 *        then does the member count shrink.
 */
import type { MemberObservation, Observation } from '../../topology/observation.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import { memberCount } from '../../spec/members.js';
import type { ObservedNode } from '../../topology/model.js';
import { SLOT_COUNT, type SlotRange, countSlots, slotsFromRanges } from '../../topology/slots.js';
import { planRebalance } from '../rebalance.js';
import type { MasterSlots } from '../slot-moves.js';
import type { HealAction } from './actions.js';
import { answering, inCluster, isFresh, isSpareMaster, replicaMembers, slotMasters } from './facts.js';

type Answering = MemberObservation & { node: ObservedNode };

/**
 * Slots are spread onto the masters while one holds less than this share of its
 * fair part (a new master, or one a crash left half filled). Any other imbalance
 * is left alone: weights a person set with `rck rebalance` are kept.
 */
const NEW_MASTER_SHARE = 0.5;

export interface ScaleView {
  /** Members the spec asks for. */
  target: number;
  /** Members with ordinal >= target. */
  leaving: Set<string>;
  /** Kept members chosen to become new masters (empty masters now, or still fresh). */
  newMasters: Answering[];
  /** Masters that should own the slots: kept slot masters (at most `masters`) and the new masters. */
  targets: string[];
  /** Slot masters that must give all their slots away. */
  drains: string[];
  /** More masters are wanted than members can provide yet (new members still starting). */
  short: number;
}

export function scaleView(obs: Observation, desired: DesiredShape): ScaleView {
  const target = memberCount(desired);
  const leaving = new Set(obs.members.filter((m) => m.ordinal >= target).map((m) => m.name));
  const memberOf = (id: string) => obs.members.find((m) => m.node?.id === id);
  // Slot masters we cannot place (down) count as kept: failover rules deal with them.
  const slotOwners = [...slotMasters(obs).keys()]
    .map((id) => ({ id, member: memberOf(id) }))
    .sort((a, b) => (a.member?.ordinal ?? Infinity) - (b.member?.ordinal ?? Infinity) || a.id.localeCompare(b.id));
  const keptOwners = slotOwners.filter((o) => !o.member || !leaving.has(o.member.name));
  const keep = keptOwners.slice(0, desired.masters);
  const masterDomains = new Set(keep.map((o) => o.member?.domain));
  // Greedy: spare masters (in the cluster, no slots) first so a choice made in an
  // earlier pass holds, then a failure domain without a master, then the lowest ordinal.
  const candidates = answering(obs).filter((m) => !leaving.has(m.name) && (isFresh(m.node) || isSpareMaster(m.node)));
  const need = desired.masters - keep.length;
  const newMasters: Answering[] = [];
  while (newMasters.length < need && candidates.length > 0) {
    candidates.sort(
      (a, b) =>
        Number(!isSpareMaster(a.node)) - Number(!isSpareMaster(b.node)) || Number(masterDomains.has(a.domain)) - Number(masterDomains.has(b.domain)) || a.ordinal - b.ordinal,
    );
    const pick = candidates.shift()!;
    newMasters.push(pick);
    masterDomains.add(pick.domain);
  }
  const targets = [...keep.map((o) => o.id), ...newMasters.map((m) => m.node.id)];
  const drains = slotOwners.filter((o) => !targets.includes(o.id)).map((o) => o.id);
  return { target, leaving, newMasters, targets, drains, short: Math.max(0, need - newMasters.length) };
}

/**
 * Every kept member answers, and a leaving member that does not is owed nothing:
 * every slot is served by a master that answers (so the down one owns none, and is
 * left behind when the member count shrinks; its id is forgotten afterwards).
 */
export function scaleCanProceed(obs: Observation, view: ScaleView): boolean {
  const down = obs.members.filter((m) => !m.node);
  if (down.some((m) => !view.leaving.has(m.name))) return false;
  if (down.length === 0) return true;
  const up = new Set(answering(obs).map((m) => m.node.id));
  let served = 0;
  for (const [id, line] of slotMasters(obs)) if (up.has(id)) served += countSlots(line.slots);
  return served === SLOT_COUNT;
}

/**
 * Grow the member count, and bring new masters in as empty masters (before any other
 * new member joins as a replica). When a master is wanted and every member is up but
 * none is empty (a master was drained by hand and turned replica), a spare replica
 * of a master that has more than it needs is reset to become the new master.
 */
export function planGrowth(obs: Observation, desired: DesiredShape, view: ScaleView): HealAction[] {
  if (obs.members.length < view.target) {
    return [{ kind: 'set-member-count', count: view.target, reason: `the spec asks for ${view.target} members, ${obs.members.length} exist` }];
  }
  if (inCluster(obs).length === 0) return [];
  // Not while a leaving master still serves slots: its kept replica takes over instead (planScaleSlots).
  const owners = slotMasters(obs);
  const leavingMaster = answering(obs).some((m) => view.leaving.has(m.name) && owners.has(m.node.id));
  if (view.short > 0 && !leavingMaster && answering(obs).length === obs.members.length) {
    const spare = spareReplica(obs, desired, view);
    if (spare)
      return [
        {
          kind: 'retire',
          members: [spare.name],
          reason: `a new master is wanted and no member is empty: ${spare.name}, a spare replica, is reset to become one`,
        },
      ];
  }
  return view.newMasters
    .filter((m) => isFresh(m.node))
    .map((m) => ({
      kind: 'join-master' as const,
      member: m.name,
      reason: `a new master is wanted (${view.targets.length} of the spec's masters are placed) and ${m.name} in ${m.domain} is empty`,
    }));
}

/** A kept replica whose master has more kept replicas than the spec asks, from the most crowded master. */
function spareReplica(obs: Observation, desired: DesiredShape, view: ScaleView): Answering | undefined {
  const kept = (id: string) => replicaMembers(obs, id).filter((r) => !view.leaving.has(r.name));
  const crowded = [...slotMasters(obs).keys()]
    .map((id) => ({ id, replicas: kept(id) }))
    .filter((m) => m.replicas.length > desired.replicasPerMaster)
    .sort((a, b) => b.replicas.length - a.replicas.length || a.id.localeCompare(b.id))[0];
  return crowded?.replicas.sort((a, b) => b.ordinal - a.ordinal)[0];
}

/** Leaving masters hand over to kept replicas, then slots move until the targets hold them evenly. */
export function planScaleSlots(obs: Observation, desired: DesiredShape, view: ScaleView): { actions: HealAction[]; waiting: string[] } {
  const waiting: string[] = [];
  // Two masters claiming the same slots is a failover in flight (the old master has not
  // stepped down yet). Every slot plan assumes each slot has one owner (planRebalance never
  // returned on such a view: the supervisor hung, seen in the chaos campaign): wait for agreement.
  if (slotClaimsOverlap([...slotMasters(obs).values()].flatMap((l) => l.slots))) {
    return { actions: [], waiting: ['two masters claim the same slots (a failover in flight); waiting until the cluster agrees'] };
  }
  const up = answering(obs);
  const memberOf = (id: string) => up.find((m) => m.node.id === id);

  const handovers: HealAction[] = [];
  for (const id of slotMasters(obs).keys()) {
    const m = memberOf(id);
    if (!m || !view.leaving.has(m.name)) continue;
    const r = replicaMembers(obs, id).find((x) => !view.leaving.has(x.name) && x.node.replication.masterLinkUp);
    if (r)
      handovers.push({
        kind: 'planned-failover',
        member: r.name,
        reason: `${m.name} is leaving (scale-in); its in-sync replica ${r.name} takes over its slots without data loss`,
      });
  }
  if (handovers.length > 0) return { actions: handovers, waiting };

  if (view.short > 0) {
    waiting.push(`${view.short} more member(s) needed as new masters; waiting for them to start`);
    return { actions: [], waiting };
  }
  const lines = slotMasters(obs);
  const holding = (id: string) => countSlots(lines.get(id)?.slots ?? []);
  const fair = SLOT_COUNT / view.targets.length;
  const unbalanced = view.targets.some((id) => holding(id) < fair * NEW_MASTER_SHARE);
  const draining = view.drains.some((id) => holding(id) > 0);
  if (!unbalanced && !draining) return { actions: [], waiting };

  // Every target must be a known, settled master before slots move to it (redis-cli races this).
  for (const m of view.newMasters) {
    const known = inCluster(obs).every((o) => o.node.table.some((l) => l.id === m.node.id && !l.flags.includes('handshake')));
    if (!isSpareMaster(m.node) || !known || m.node.clusterInfo.get('cluster_state') !== 'ok') {
      waiting.push(`${m.name} is joining as a new master; moving slots once every node knows it`);
    }
  }
  if (waiting.length > 0) return { actions: [], waiting };

  const masters: MasterSlots[] = [...view.targets, ...view.drains].map((id) => ({
    id,
    name: memberOf(id)?.name ?? id.slice(0, 8),
    slots: slotsFromRanges(lines.get(id)?.slots ?? []),
  }));
  const weights = new Map(view.drains.map((id) => [id, 0]));
  const plan = planRebalance(masters, { weights, useEmptyMasters: true });
  if (plan.moves.length === 0) return { actions: [], waiting };
  const why = draining
    ? `drain ${view.drains.map((id) => memberOf(id)?.name ?? id.slice(0, 8)).join(', ')} (scale-in to ${desired.masters} masters)`
    : `spread slots evenly over ${view.targets.length} masters (scale-out to ${desired.masters} masters)`;
  return { actions: [{ kind: 'move-slots', moves: plan.moves, reason: why }], waiting };
}

/** Leaving members that own nothing leave the cluster; once none is in it, the member count shrinks. */
export function planRetire(obs: Observation, view: ScaleView): HealAction[] {
  if (view.leaving.size === 0) return [];
  const leavingMembers = obs.members.filter((m) => view.leaving.has(m.name));
  const lines = slotMasters(obs);
  if (leavingMembers.some((m) => m.node && lines.has(m.node.id))) return [];
  const stillIn = inCluster(obs).filter((m) => view.leaving.has(m.name));
  if (stillIn.length > 0) {
    // A kept replica refuses to forget its own master: the membership rules re-point it first.
    const followed = inCluster(obs).some((k) => !view.leaving.has(k.name) && stillIn.some((l) => k.node.self?.masterId === l.node.id && k.node.self?.role === 'replica'));
    if (followed) return [];
    return [
      {
        kind: 'retire',
        members: stillIn.map((m) => m.name),
        reason: `scale-in: ${stillIn.map((m) => m.name).join(', ')} own no slots any more and leave the cluster`,
      },
    ];
  }
  return [{ kind: 'set-member-count', count: view.target, reason: `scale-in: ${[...view.leaving].join(', ')} have left the cluster` }];
}

/** Some slot is in two of the ranges. */
export function slotClaimsOverlap(ranges: readonly SlotRange[]): boolean {
  let end = -1;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start <= end) return true;
    end = Math.max(end, r.end);
  }
  return false;
}

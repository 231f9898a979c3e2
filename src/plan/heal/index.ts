/**
 * planHeal: from one observation to the next actions, each with its reason.
 * Rules run in priority order and the first that has work wins the pass, so a
 * pass does a bounded amount of work and the next pass re-observes. Pure: the
 * only memory is `since`, times first seen, which is safe to lose.
 */
import type { Observation } from '../../topology/observation.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import { BOOTSTRAP_NODE_TIMEOUT_MS } from '../create.js';
import { memberCount } from '../../spec/members.js';
import { SLOT_COUNT } from '../../topology/slots.js';
import type { HealAction } from './actions.js';
import { answering, inCluster, isFresh, slotMasters } from './facts.js';
import { planAttachments, planForgets, planMeets, planReplicaBalance } from './membership.js';
import { planGrowth, planRetire, planScaleSlots, scaleCanProceed, scaleView } from './scale.js';
import { planAdmissions } from './admission.js';
import { planCrashFailovers } from './crash.js';
import { planPromotions } from './failover.js';
import { planPlacement } from './placement.js';
import { planReplicationRetargets } from './replication-target.js';
import { planRollout } from './rollout.js';
import { planExternalAnnounce } from './external.js';

export type { HealAction } from './actions.js';
export { describeAction } from './actions.js';

/** Open or uncovered slots must persist this long before fix runs, so we never race a reshard in progress. */
export const SLOT_REPAIR_GRACE_MS = 10_000;

/** Roles are only rearranged after the cluster has needed nothing else for this long (let failovers settle, let people look). */
export const PLACEMENT_SETTLE_MS = 10_000;

export interface HealMemory {
  /**
   * When each slot problem was first seen: `open:<slot>` per open slot, `uncovered`.
   * Per slot, so a reshard that keeps some slot open all along is never raced:
   * only a slot that stays open past the grace period is fixed.
   */
  slotTroubleSince?: Record<string, number>;
  /** Since when every rule but placement has found nothing to do. */
  calmSince?: number;
}

export interface HealPlan {
  actions: HealAction[];
  /** Why the controller is holding back, for status and logs. */
  waiting: string[];
  memory: HealMemory;
}

export function planHeal(obs: Observation, desired: DesiredShape, memory: HealMemory = {}): HealPlan {
  const waiting: string[] = [];
  const up = answering(obs);

  // Bootstrap: only over members that are all up and all empty; never over data.
  if (inCluster(obs).length === 0) {
    if (obs.members.length === memberCount(desired) && up.length === obs.members.length && up.every((m) => isFresh(m.node))) {
      return { actions: [{ kind: 'create', reason: `all ${up.length} members are up and empty` }], waiting, memory: {} };
    }
    const notFresh = up.filter((m) => !isFresh(m.node));
    waiting.push(
      notFresh.length > 0
        ? `members ${notFresh.map((m) => m.name).join(', ')} hold data but no cluster: not creating over them`
        : `waiting for ${obs.members.length - up.length} member(s) to start`,
    );
    return { actions: [], waiting, memory: {} };
  }

  const meets = planMeets(obs);
  if (meets.length > 0) return { actions: meets, waiting, memory };

  // Before anything else uses them: a member that lost its data is closed until its copy is safe.
  const admissions = planAdmissions(obs);
  waiting.push(...admissions.waiting);
  if (admissions.actions.length > 0) return { actions: admissions.actions, waiting, memory };

  const crashes = planCrashFailovers(obs, desired);
  if (crashes.length > 0) return { actions: crashes, waiting, memory };

  const promotions = planPromotions(obs, desired);
  waiting.push(...promotions.waiting);
  if (promotions.actions.length > 0) return { actions: promotions.actions, waiting, memory };

  const forgets = planForgets(obs);
  waiting.push(...forgets.blocked);
  if (forgets.actions.length > 0) return { actions: forgets.actions, waiting, memory };

  const retargets = planReplicationRetargets(obs);
  if (retargets.length > 0) return { actions: retargets, waiting, memory };

  const announce = planExternalAnnounce(obs, desired);
  if (announce.length > 0) return { actions: announce, waiting, memory };

  const scale = scaleView(obs, desired);
  const growth = planGrowth(obs, desired, scale);
  if (growth.length > 0) return { actions: growth, waiting, memory };

  const attachments = planAttachments(obs, desired, scale);
  if (attachments.length > 0) return { actions: attachments, waiting, memory };

  const leftovers = planRestoreSettings(obs, desired);
  if (leftovers.length > 0) return { actions: leftovers, waiting, memory };

  const trouble = slotTrouble(obs);
  if (trouble.keys.length > 0) {
    const since = Object.fromEntries(trouble.keys.map((k) => [k, memory.slotTroubleSince?.[k] ?? obs.at]));
    const oldest = Math.min(...Object.values(since));
    if (obs.at - oldest >= SLOT_REPAIR_GRACE_MS && waiting.length === 0) {
      return { actions: [{ kind: 'fix-slots', reason: trouble.text }], waiting, memory: { slotTroubleSince: since } };
    }
    waiting.push(`${trouble.text}; fixing what stays so for ${SLOT_REPAIR_GRACE_MS / 1000} s (a reshard may be running)`);
    return { actions: [], waiting, memory: { slotTroubleSince: since } };
  }

  // Scaling needs every member it keeps; a leaving member that is down is only skipped
  // once no slot depends on it (every slot served by a master that answers).
  if (waiting.length > 0 || !scaleCanProceed(obs, scale)) return { actions: [], waiting, memory: {} };

  const slotsPlan = planScaleSlots(obs, desired, scale);
  if (slotsPlan.actions.length > 0 || slotsPlan.waiting.length > 0) return { actions: slotsPlan.actions, waiting: slotsPlan.waiting, memory: {} };
  const retire = planRetire(obs, scale);
  if (retire.length > 0) return { actions: retire, waiting, memory: {} };
  const balance = planReplicaBalance(obs, desired, scale);
  if (balance.length > 0) return { actions: balance, waiting, memory: {} };
  if (up.length !== obs.members.length) return { actions: [], waiting, memory: {} };
  const rollout = planRollout(obs, desired);
  if (rollout.actions.length > 0 || rollout.waiting.length > 0) return { actions: rollout.actions, waiting: rollout.waiting, memory: {} };

  const calmSince = memory.calmSince ?? obs.at;
  const placement = planPlacement(obs);
  if (placement.length > 0) {
    if (obs.at - calmSince >= PLACEMENT_SETTLE_MS) return { actions: placement, waiting, memory: {} };
    waiting.push(`roles could be better placed; rearranging once the cluster has been calm for ${PLACEMENT_SETTLE_MS / 1000} s`);
  }
  return { actions: [], waiting, memory: { calmSince } };
}

/**
 * A node still running with the bootstrap's short node timeout (create was
 * interrupted before it restored it) also has replica failover off: Redis would
 * never fail its shard over. Put the spec's settings back. The same for a replica whose
 * failover a crash hold turned off (ops/failover-hold.ts) when the supervisor that held it
 * is gone: once it follows its master with the link up and its sync done, it has the
 * master's data and the hold has no more reason.
 */
function planRestoreSettings(obs: Observation, desired: DesiredShape): HealAction[] {
  const out: HealAction[] = [];
  for (const m of inCluster(obs)) {
    if (desired.nodeTimeoutMs !== BOOTSTRAP_NODE_TIMEOUT_MS && m.node.nodeTimeoutMs === BOOTSTRAP_NODE_TIMEOUT_MS) {
      out.push({
        kind: 'restore-settings',
        member: m.name,
        reason: `it still runs with the bootstrap's ${BOOTSTRAP_NODE_TIMEOUT_MS} ms node timeout (an interrupted create); the spec says ${desired.nodeTimeoutMs} ms`,
      });
      continue;
    }
    const r = m.node.replication;
    if (m.node.replicaNoFailover === true && !desired.replicaNoFailover && r.role === 'replica' && r.masterLinkUp === true && !r.syncInProgress) {
      out.push({ kind: 'restore-settings', member: m.name, reason: 'its failover is still held off (a crash hold), and it follows its master in sync again' });
    }
  }
  return out;
}

/** Open slots on reachable masters, or slots no master has in the cluster's view. */
function slotTrouble(obs: Observation): { keys: string[]; text: string } {
  const open = new Set<number>();
  for (const m of inCluster(obs)) {
    for (const s of m.node.self?.migrating.keys() ?? []) open.add(s);
    for (const s of m.node.self?.importing.keys() ?? []) open.add(s);
  }
  let covered = 0;
  for (const line of slotMasters(obs).values()) for (const r of line.slots) covered += r.end - r.start + 1;
  const parts: string[] = [];
  const keys = [...open].map((slot) => `open:${slot}`);
  if (open.size > 0) parts.push(`${open.size} slot(s) migrating/importing`);
  if (covered < SLOT_COUNT) {
    parts.push(`${SLOT_COUNT - covered} slot(s) not assigned to any master`);
    keys.push('uncovered');
  }
  return { keys, text: parts.join(', ') };
}

/**
 * Stuck shards: a master with slots that no member carries or answers for,
 * past the time Redis's own failover should have taken. The best replica
 * (highest replication offset) is promoted with FAILOVER FORCE, or TAKEOVER when
 * too few masters are left to vote. Never while the master answers, and never over a crash
 * hold (ops/failover-hold.ts) while the platform restarts the master: a replica whose
 * failover was turned off because the master's AOF holds writes it lacks waits for the
 * master to come back, however long its AOF takes to load (data before availability).
 * Failover turned off without such a hold (by hand, or by a supervisor that died since)
 * gets the usual deadline. Pure.
 */
import type { Observation } from '../../topology/observation.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import type { HealAction } from './actions.js';
import { inCluster, memberWithId, replicaMembers, slotMasters } from './facts.js';

/** How long a shard may be without its master before we step in: Redis needs about node-timeout plus an election. */
export function stuckDeadlineMs(desired: DesiredShape): number {
  return 2 * desired.nodeTimeoutMs + 5000;
}

export interface PromotePlan {
  actions: HealAction[];
  /** Shards without a master that are still inside the deadline, or cannot be saved. */
  waiting: string[];
}

export function planPromotions(obs: Observation, desired: DesiredShape): PromotePlan {
  const actions: HealAction[] = [];
  const waiting: string[] = [];
  const masters = slotMasters(obs);
  const reachableVoters = [...masters.keys()].filter((id) => memberWithId(obs, id)).length;
  const quorum = Math.floor(masters.size / 2) + 1;
  for (const [id] of masters) {
    if (memberWithId(obs, id)) continue; // alive and answering: never promote over it
    const replicas = replicaMembers(obs, id);
    if (replicas.length === 0) {
      waiting.push(`master ${id.slice(0, 8)} is gone and has no replica: its slots are down until it comes back`);
      continue;
    }
    const downFor = masterDownForMs(obs, id);
    // The platform restarts the master (a local crash hold), or saw its container terminate (Kubernetes): it is coming back.
    const heldRestart = obs.members.some((m) => (m.failoverHeld || m.lastExitAt !== undefined) && !m.node);
    if (heldRestart && !desired.replicaNoFailover && replicas.some((r) => r.node.replicaNoFailover === true)) {
      waiting.push(
        `master ${id.slice(0, 8)} unreachable for ${(downFor / 1000).toFixed(1)} s; its replicas' failover is held off because its AOF holds writes they lack: waiting for it to come back (to give those writes up, CLUSTER FAILOVER FORCE on a replica)`,
      );
      continue;
    }
    const deadline = stuckDeadlineMs(desired);
    if (downFor < deadline) {
      waiting.push(`master ${id.slice(0, 8)} unreachable for ${(downFor / 1000).toFixed(1)} s: giving Redis's own failover until ${(deadline / 1000).toFixed(0)} s`);
      continue;
    }
    const best = [...replicas].sort((a, b) => b.node.replication.offset - a.node.replication.offset || a.ordinal - b.ordinal)[0]!;
    const mode = reachableVoters >= quorum ? 'force' : 'takeover';
    actions.push({
      kind: 'promote',
      member: best.name,
      masterId: id,
      mode,
      reason:
        `its master has been unreachable for ${(downFor / 1000).toFixed(0)} s and Redis did not fail over; replication offset ${best.node.replication.offset} is the highest of ${replicas.length} replica(s)` +
        (mode === 'takeover' ? `; only ${reachableVoters} of ${masters.size} masters can vote, so TAKEOVER` : ''),
      warning: 'writes the old master acknowledged after its replica last synced may be lost',
    });
  }
  return { actions, waiting };
}

/**
 * How long the shard has been without its master: the longest a replica reports
 * its link down, or since any member last heard from the master.
 */
export function masterDownForMs(obs: Observation, masterId: string): number {
  let down = 0;
  for (const r of replicaMembers(obs, masterId)) {
    const s = r.node.replication.masterLinkDownSinceSeconds;
    if (s !== undefined && s >= 0) down = Math.max(down, s * 1000);
  }
  let lastPong = 0;
  for (const m of inCluster(obs)) {
    const line = m.node.table.find((l) => l.id === masterId);
    if (line) lastPong = Math.max(lastPong, line.pongReceived);
  }
  if (lastPong > 0) down = Math.max(down, obs.at - lastPong);
  return down;
}

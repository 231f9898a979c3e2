/**
 * A master whose container the platform reports terminated (Kubernetes: the kubelet's
 * containerStatus) is failed over at once to the replica whose link was up when it died,
 * instead of waiting for Redis's node timeout or for the restarted process (AOF load, then
 * Redis's 2 s writable delay). The platform knows the process is gone, so this is not
 * failure detection racing a partition. Pure; decideCrashSuccessor says who.
 *
 * Only while the crash is fresh and the shard has not recovered by itself: once a replica's
 * link is up again, the master is back and serving, and a failover would only disturb it.
 * A master that restarted without its data is admission's (admission.ts), not this rule's.
 */
import type { Observation } from '../../topology/observation.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import { decideCrashSuccessor } from '../crash-successor.js';
import type { HealAction } from './actions.js';
import { answering, inCluster, replicaMembers } from './facts.js';

/** A termination older than this is history, not a crash to act on. */
export const CRASH_ACT_WINDOW_MS = 10_000;

export function planCrashFailovers(obs: Observation, desired: DesiredShape): HealAction[] {
  const actions: HealAction[] = [];
  for (const m of obs.members) {
    if (m.lastExitAt === undefined || obs.at - m.lastExitAt > CRASH_ACT_WINDOW_MS) continue;
    if (m.node?.admissionPending) continue;
    const deadId = m.node?.id || idAt(obs, m.address.host, m.address.port);
    if (!deadId) continue;
    const replicas = replicaMembers(obs, deadId);
    if (replicas.length === 0 || replicas.some((r) => r.node.replication.masterLinkUp)) continue;
    const peers = answering(obs)
      .filter((p) => p !== m)
      .map((p) => ({ member: p.name, node: p.node }));
    const d = decideCrashSuccessor({
      deadId,
      deadAddress: m.address,
      peers,
      secondsSinceExit: Math.max(0, obs.at - m.lastExitAt) / 1000,
      persistence: desired.persistence !== false,
    });
    if (d.kind === 'restart' && d.hold && !m.node && !desired.replicaNoFailover) {
      const toHold = d.hold.filter((h) => replicas.find((r) => r.name === h.member)?.node.replicaNoFailover !== true);
      if (toHold.length > 0)
        actions.push({ kind: 'hold-failover', member: m.name, replicas: toHold.map((h) => h.member), reason: `${m.name}'s redis container terminated; ${d.reason}` });
      continue;
    }
    if (d.kind !== 'promote' || !d.inSync) continue;
    actions.push({
      kind: 'crash-failover',
      member: d.member,
      masterId: deadId,
      mode: d.mode,
      reason: `${m.name}'s redis container terminated ${((obs.at - m.lastExitAt) / 1000).toFixed(1)} s ago; ${d.reason}`,
    });
  }
  return actions;
}

function idAt(obs: Observation, host: string, port: number): string | undefined {
  for (const p of inCluster(obs)) {
    const line = p.node.table.find((l) => l.host === host && l.port === port && !l.flags.includes('handshake'));
    if (line) return line.id;
  }
  return undefined;
}

/**
 * Rolling a change that needs members restarted (on Kubernetes: a new engine image or
 * redis.conf; the platform marks such members `outdated`). One member per pass, and only
 * while the cluster is whole: every member up, every node at cluster_state:ok, every
 * replica following its master with its sync done. Replicas go first. A master is never
 * restarted while it is one: an up-to-date, in-sync replica takes its role over first
 * (CLUSTER FAILOVER, no write lost), and it restarts as a replica on a later pass. So a
 * shard never has its master and its replica down together. A master with no replica restarts
 * in place only when persistence brings its data back; otherwise the rollout waits. Pure.
 */
import type { ObservedNode } from '../../topology/model.js';
import type { MemberObservation, Observation } from '../../topology/observation.js';
import type { DesiredShape } from '../../spec/desired-shape.js';
import type { HealAction } from './actions.js';
import { answering, inCluster, replicaMembers } from './facts.js';

type Answering = MemberObservation & { node: ObservedNode };

export interface RolloutPlan {
  actions: HealAction[];
  waiting: string[];
}

export function planRollout(obs: Observation, desired: DesiredShape): RolloutPlan {
  const outdated = obs.members.filter((m) => m.outdated !== undefined);
  if (outdated.length === 0) return { actions: [], waiting: [] };
  const notWhole = wholeProblem(obs);
  if (notWhole) return { actions: [], waiting: [`${outdated.length} member(s) to restart for ${outdated[0]!.outdated}; waiting: ${notWhole}`] };

  const members = inCluster(obs);
  const replica = members.find((m) => m.outdated !== undefined && m.node.self?.role === 'replica');
  if (replica) return { actions: [{ kind: 'restart-member', member: replica.name, reason: `replica first: ${replica.outdated}` }], waiting: [] };

  for (const master of members.filter((m) => m.outdated !== undefined && m.node.self?.role === 'master')) {
    const replicas = replicaMembers(obs, master.node.id);
    const successor = replicas.filter((r) => r.outdated === undefined).sort((a, b) => b.node.replication.offset - a.node.replication.offset || a.ordinal - b.ordinal)[0];
    if (successor) {
      return {
        actions: [
          {
            kind: 'planned-failover',
            member: successor.name,
            reason: `${master.name} must restart (${master.outdated}); ${successor.name}, up to date and in sync, takes its role over first`,
          },
        ],
        waiting: [],
      };
    }
    if (replicas.length === 0) {
      // Data before availability: without persistence, restarting the only copy empties the shard.
      if (desired.persistence === false) {
        return {
          actions: [],
          waiting: [`${master.name} must restart (${master.outdated}) but has no replica and persistence is off: restarting it would lose its data; add a replica first`],
        };
      }
      // No copy to hand over to: the shard does not serve while its master restarts (its data stays on its volume).
      return { actions: [{ kind: 'restart-member', member: master.name, reason: `${master.outdated}; it has no replica to hand its slots to` }], waiting: [] };
    }
  }
  return { actions: [], waiting: [`${outdated.length} member(s) to restart for ${outdated[0]!.outdated}; no up-to-date replica to hand a master's role to yet`] };
}

/** Why the cluster is not whole enough to restart a member, or undefined. */
function wholeProblem(obs: Observation): string | undefined {
  const down = obs.members.filter((m) => !m.up || m.node === undefined);
  if (down.length > 0) return `${down.map((m) => m.name).join(', ')} not up`;
  const up: Answering[] = answering(obs);
  const failing = up.filter((m) => m.node.clusterInfo.get('cluster_state') !== 'ok');
  if (failing.length > 0) return `${failing.map((m) => m.name).join(', ')} not at cluster_state:ok`;
  const syncing = up.filter((m) => m.node.replication.role === 'replica' && (m.node.replication.masterLinkUp !== true || m.node.replication.syncInProgress === true));
  if (syncing.length > 0) return `${syncing.map((m) => m.name).join(', ')} not in sync with their master`;
  return undefined;
}

/**
 * Bootstrap without a person: create the cluster once, when all members of a new
 * cluster are up, then wait until it is healthy. Never re-create: once the state dir
 * records the bootstrap, or the nodes already form a cluster, `up` only starts members.
 */
import { OperationError, errorText } from '../../errors.js';
import { createCluster } from '../../ops/create.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { ClusterModel } from '../../topology/model.js';
import { observeCluster } from '../../topology/observe.js';
import type { LocalPlatform } from './local-platform.js';
import { type Health, localClusterHealth, observationOf } from './health.js';
import { desiredShape } from '../../spec/desired-shape.js';
import type { StateDir } from './state-dir.js';
import type { ConnectionProfile } from '../../redis/profile.js';
import { type MemberStatus, memberStatuses } from './member-status.js';

export interface BootstrapInput {
  platform: LocalPlatform;
  state: StateDir;
  cluster: RedisCluster;
  profile: ConnectionProfile;
  report: (line: string) => void;
}

/**
 * Creates the cluster if this is its first `up`; returns whether it did, and when it did, the
 * observation that found it converged (for waitHealthy to judge before observing again).
 */
export async function bootstrapIfNew(b: BootstrapInput): Promise<{ created: boolean; converged?: ClusterModel }> {
  const id = await b.state.readIdentity();
  if (id?.bootstrappedAt) return { created: false };
  const members = await b.platform.listMembers();
  const addrs = members.map((m) => m.address);
  // A crash between create and recording it: the nodes know each other already.
  const model = await observeCluster(addrs, { profile: b.profile, seedsOnly: true, timeoutMs: 2000 });
  const joined = model.nodes.some((n) => n.table.length > 1 || (n.self?.slots.length ?? 0) > 0);
  if (joined) {
    await b.state.markBootstrapped();
    return { created: false };
  }
  b.report(`creating the cluster: ${b.cluster.spec.masters} masters x ${b.cluster.spec.replicasPerMaster} replicas, placement ${b.cluster.spec.placement}`);
  const { model: converged } = await createCluster({
    nodes: members.map((m) => ({ address: m.address, domain: m.domain })),
    replicasPerMaster: b.cluster.spec.replicasPerMaster,
    placement: b.cluster.spec.placement,
    profile: b.profile,
    convergeTimeoutMs: 30_000,
    onProgress: (line) => b.report(`  ${line}`),
  });
  await b.state.markBootstrapped(); // from now on `up` never creates again
  return { created: true, converged };
}

/**
 * Polls (fast) until the cluster is healthy and resolves with the member rows of the
 * observation that found it so; throws with the remaining problems at the deadline.
 * `fresh`: an observation just made (create's last), judged first: observing again costs
 * new connections to every member, about 20 ms added to `up`.
 */
export async function waitHealthy(b: BootstrapInput, timeoutMs: number, signal?: AbortSignal, fresh?: ClusterModel): Promise<MemberStatus[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Health = { healthy: false, problems: ['not observed yet'] };
  for (let observed = fresh; Date.now() < deadline && !signal?.aborted; observed = undefined) {
    const seen = await observeHealth(b.platform, b.cluster, b.profile, observed).catch((err) => ({ health: { healthy: false, problems: [errorText(err)] }, rows: [] }));
    last = seen.health;
    if (last.healthy) return seen.rows;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new OperationError(`cluster ${b.cluster.metadata.name} not healthy after ${timeoutMs} ms: ${last.problems.slice(0, 3).join('; ')}`);
}

async function observeHealth(
  platform: LocalPlatform,
  cluster: RedisCluster,
  profile: ConnectionProfile,
  observed?: ClusterModel,
): Promise<{ health: Health; rows: MemberStatus[] }> {
  const members = await platform.listMembers();
  const up = members.filter((m) => m.up).map((m) => m.address);
  if (up.length === 0) return { health: { healthy: false, problems: ['no member is up'] }, rows: [] };
  const model = observed ?? (await observeCluster(up, { profile, seedsOnly: true, timeoutMs: 1000 }));
  return { health: localClusterHealth(observationOf(members, model), desiredShape(cluster.spec)), rows: memberStatuses(members, model) };
}

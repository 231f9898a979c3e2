/**
 * Planned restarts without losing writes: a master hands its slots to an
 * in-sync replica (CLUSTER FAILOVER) before it stops, and each step waits for
 * the cluster to be healthy again before the next one. `rck restart` is one
 * step; `rck rollout restart` restarts every member, replicas first.
 */
import { OperationError } from '../errors.js';
import { formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { handOver } from '../ops/handover.js';
import { pollUntil } from '../ops/wait.js';
import { problems } from './conditions.js';
import type { ClusterPlatform, RestartOptions } from './cluster-platform.js';
import type { DesiredShape } from '../spec/desired-shape.js';
import { observe } from './observe.js';

/** A platform that can restart one member. */
export type RestartablePlatform = ClusterPlatform & Required<Pick<ClusterPlatform, 'restartMember'>>;

export interface RolloutOptions {
  pool: NodePool;
  desired: DesiredShape;
  /** Per-step deadline for the cluster to be healthy again. */
  stepTimeoutMs?: number;
  report?: (line: string) => void;
}

/**
 * Restarts one member, handing over its slots first when it is a master (`handOver` false:
 * a plain restart), then waits for the cluster to be healthy unless `wait` is false.
 */
export async function restartWithHandover(
  platform: RestartablePlatform,
  member: string,
  opts: RolloutOptions & { restart?: RestartOptions; handOver?: boolean; wait?: boolean },
): Promise<void> {
  const report = opts.report ?? (() => {});
  const m = (await platform.listMembers()).find((x) => x.name === member);
  if (!m) throw new OperationError(`no member named ${member}`);
  if (m.up && opts.handOver !== false) {
    const result = await handOver(opts.pool, m.address, { onProgress: report });
    if (result.newMaster) report(`${member}: slots handed to ${formatAddress(result.newMaster)} in ${result.ms} ms`);
  }
  opts.pool.forget(m.address);
  await platform.restartMember(member, opts.restart);
  if (opts.wait !== false) await waitHealthy(platform, opts, `${member} restarted`);
}

/** Every member once: replicas first, then each master after a handover, healthy between steps. */
export async function rolloutRestart(platform: RestartablePlatform, opts: RolloutOptions): Promise<string[]> {
  const report = opts.report ?? (() => {});
  await waitHealthy(platform, opts, 'before the rollout');
  const obs = await observe(platform, opts.pool);
  const role = (name: string) => obs.members.find((m) => m.name === name)?.node?.self?.role;
  const order = [...obs.members].sort((a, b) => (role(a.name) === 'master' ? 1 : 0) - (role(b.name) === 'master' ? 1 : 0) || a.ordinal - b.ordinal).map((m) => m.name);
  for (const [i, name] of order.entries()) {
    report(`rollout: ${i + 1}/${order.length}: restarting ${name} (${role(name) ?? 'unknown role'})`);
    await restartWithHandover(platform, name, opts);
  }
  return order;
}

/** Waits until nothing keeps the cluster from Ready: members up, slots served, replicas in sync. */
export async function waitHealthy(platform: RestartablePlatform, opts: RolloutOptions, what: string): Promise<void> {
  let last: string[] = [];
  const ok = await pollUntil(
    async () => {
      const obs = await observe(platform, opts.pool);
      last = problems(obs, opts.desired).map((p) => p.message);
      return last.length === 0 ? true : undefined;
    },
    { deadline: Date.now() + (opts.stepTimeoutMs ?? 60_000), intervalMs: 50 },
  );
  if (!ok) throw new OperationError(`the cluster is not healthy ${what}: ${last.join('; ')}`, { hint: 'see rck status and rck events; the rollout stopped here' });
}

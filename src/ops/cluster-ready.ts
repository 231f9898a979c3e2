/**
 * Observes a cluster and waits until slots may be moved: every node reachable,
 * every node knows every other (a node added a moment ago included: the gossip
 * race of DESIGN.md), every node reports cluster_state:ok and they agree on the
 * slot map. Problems waiting cannot cure (open or uncovered slots, nodes down)
 * fail at once, before anything changes.
 */
import { NodeCheckError, OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { type ConvergenceProblem, convergenceProblems } from '../plan/convergence.js';
import type { ClusterModel } from '../topology/model.js';
import { nodeName, openSlots, slotClaims } from '../topology/model.js';
import { observeCluster } from '../topology/observe.js';
import { formatRanges, rangesFromSlots } from '../topology/slots.js';
import { pollUntil } from './wait.js';

/** "no node could be reached: ..." naming each address once. */
export function noNodeReached(model: ClusterModel): string {
  const why = model.unreachable.map((u) => (u.error.startsWith(formatAddress(u.address)) ? u.error : `${formatAddress(u.address)}: ${u.error}`));
  return `no node could be reached: ${why.join('; ')}`;
}

/** Problems that block slot moves and that no amount of waiting will fix. */
export function blockingProblems(model: ClusterModel): string[] {
  const out: string[] = [];
  for (const u of model.unreachable) out.push(`${formatAddress(u.address)} cannot be reached (${u.error})`);
  for (const n of model.nodes) if (!n.clusterEnabled) out.push(`${nodeName(n)} has cluster support disabled`);
  const open = openSlots(model);
  if (open.length > 0) out.push(`slot(s) ${formatRanges(rangesFromSlots(open))} are open (migrating/importing): run rck fix first`);
  const claims = slotClaims(model);
  const uncovered = claims.flatMap((c, s) => (c.length === 0 ? [s] : []));
  if (uncovered.length > 0) out.push(`${uncovered.length} slot(s) are not covered: run rck fix first`);
  const multi = claims.flatMap((c, s) => (c.length > 1 ? [s] : []));
  if (multi.length > 0) out.push(`slot(s) ${formatRanges(rangesFromSlots(multi))} are claimed by several masters: run rck fix first`);
  return out;
}

export async function observeReady(pool: NodePool, seeds: NodeAddress[], timeoutMs: number): Promise<ClusterModel> {
  const deadline = Date.now() + timeoutMs;
  let problems: ConvergenceProblem[] = [];
  const ok = await pollUntil(
    async () => {
      const model = await observeCluster(seeds, { pool });
      if (model.nodes.length === 0) throw new NoNode(model);
      const blocking = blockingProblems(model);
      if (blocking.length > 0) throw new FatalProblems(blocking);
      problems = convergenceProblems(model, { ids: model.nodes.map((n) => n.id), replicaOf: new Map(), replicasSynced: false });
      return problems.length === 0 ? model : undefined;
    },
    { deadline, intervalMs: 50, rethrow: (err) => err instanceof NodeCheckError },
  );
  if (ok) return ok;
  const unique = [...new Set(problems.map((p) => `${p.node}: ${p.reason}`))];
  throw new OperationError(
    `the cluster is not ready to move slots after ${timeoutMs} ms: ${unique.slice(0, 4).join('; ')}${unique.length > 4 ? ` (+${unique.length - 4} more)` : ''}; nothing was changed`,
    {
      detail: unique.join('\n'),
    },
  );
}

class NoNode extends NodeCheckError {
  constructor(model: ClusterModel) {
    super(noNodeReached(model));
  }
}

class FatalProblems extends NodeCheckError {
  constructor(problems: string[]) {
    super(`the cluster is not healthy: ${problems.join('; ')}; nothing was changed`, { detail: problems.join('\n') });
  }
}

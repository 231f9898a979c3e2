/**
 * addNode: joins an empty node to a running cluster as a master (no slots;
 * rebalance gives it some) or as a replica. The new node MEETs every member
 * directly, then we wait until every node knows it and every node, the new one
 * included, reports cluster_state:ok: moving slots to a node before that fails
 * (the gossip race in DESIGN.md).
 */
import { NodeCheckError, OperationError } from '../errors.js';
import { type NodeAddress, formatAddress, resolveIp } from '../redis/address.js';
import type { ConnectOptions } from '../redis/connection.js';
import { NodePool } from '../redis/pool.js';
import { type AddNodePlan, planAddNode } from '../plan/add-node.js';
import { convergenceProblems } from '../plan/convergence.js';
import { resolveMaster } from '../plan/node-ref.js';
import type { ClusterModel } from '../topology/model.js';
import { observeCluster, readNode } from '../topology/observe.js';
import { noNodeReached } from './cluster-ready.js';
import { pollUntil } from './wait.js';

export interface AddNodeOptions extends ConnectOptions {
  seeds: NodeAddress[];
  node: NodeAddress;
  asReplica: boolean;
  /** Master to follow (id, prefix or host:port); default the least replicated one. */
  master?: string;
  /** Deadline for the new node to be known everywhere (and synced), default 30 s. */
  waitTimeoutMs?: number;
  /** Wait for a new replica's initial sync (default true). */
  waitForSync?: boolean;
  onPlan?: (plan: AddNodePlan, model: ClusterModel) => void;
  onProgress?: (line: string) => void;
}

export async function addNode(opts: AddNodeOptions): Promise<{ plan: AddNodePlan; elapsedMs: number }> {
  const started = Date.now();
  const progress = opts.onProgress ?? (() => {});
  const pool = new NodePool({ profile: opts.profile, timeoutMs: opts.timeoutMs });
  try {
    const model = await observeCluster(opts.seeds, { pool });
    if (model.nodes.length === 0) throw new NodeCheckError(noNodeReached(model));
    if (model.unreachable.length > 0) {
      throw new NodeCheckError(`${model.unreachable.map((u) => formatAddress(u.address)).join(', ')} cannot be reached: every member must learn the new node; nothing was changed`);
    }
    const fresh = await readNode(pool, opts.node);
    const masterId = opts.master ? resolveMaster(model, opts.master, '--master').id : undefined;
    const plan = planAddNode(model, fresh, { asReplica: opts.asReplica, masterId });
    opts.onPlan?.(plan, model);

    progress(`introducing ${plan.node} to ${model.nodes.length} node(s)`);
    const c = await pool.get(opts.node);
    const p = c.pipeline();
    for (const n of model.nodes) p.call('CLUSTER', 'MEET', await resolveIp(n.address.host), String(n.address.port), String(n.self?.busPort || n.address.port + 10000));
    const res = (await p.exec()) ?? [];
    const failed = res.find(([err]) => err);
    if (failed) throw new OperationError(`${plan.node}: CLUSTER MEET failed: ${(failed[0] as Error).message}`);

    const deadline = started + (opts.waitTimeoutMs ?? 30_000);
    const ids = [...model.nodes.map((n) => n.id), plan.nodeId];
    const seeds = [...opts.seeds, opts.node];
    progress('waiting until every node knows it and reports cluster_state:ok');
    await waitShape(pool, seeds, ids, new Map(), false, deadline);
    if (plan.role === 'replica') {
      progress(`making it a replica of ${plan.master}`);
      let lastError = '';
      const ok = await pollUntil(
        async () => {
          try {
            await c.call('CLUSTER', 'REPLICATE', plan.masterId);
            return true;
          } catch (err) {
            lastError = (err as Error).message;
            return undefined;
          }
        },
        { deadline, intervalMs: 20 },
      );
      if (!ok) throw new OperationError(`${plan.node}: could not become a replica of ${plan.master}: ${lastError}`);
      await waitShape(pool, seeds, ids, new Map([[plan.nodeId, plan.masterId]]), opts.waitForSync ?? true, deadline);
    }
    return { plan, elapsedMs: Date.now() - started };
  } finally {
    await pool.close();
  }
}

async function waitShape(pool: NodePool, seeds: NodeAddress[], ids: string[], replicaOf: Map<string, string>, synced: boolean, deadline: number): Promise<void> {
  let last: string[] = [];
  const ok = await pollUntil(
    async () => {
      const model = await observeCluster(seeds, { pool });
      last = convergenceProblems(model, { ids, replicaOf, replicasSynced: synced }).map((p) => `${p.node}: ${p.reason}`);
      return last.length === 0 ? true : undefined;
    },
    { deadline, intervalMs: 50 },
  );
  if (!ok) {
    const unique = [...new Set(last)];
    throw new OperationError(`the new node was not accepted in time: ${unique.slice(0, 4).join('; ')}${unique.length > 4 ? ` (+${unique.length - 4} more)` : ''}`, {
      detail: unique.join('\n'),
      hint: 'nodes must reach each other on the cluster bus port (port + 10000); check firewalls and cluster-announce-ip',
    });
  }
}

/**
 * delNode: removes a node that owns no slots and holds no keys. Its replicas
 * are re-pointed first (a replica refuses to FORGET its own master), then every
 * other node FORGETs it at once: FORGET bans the id for 60 s (Valkey: cluster-blacklist-ttl,
 * read per node as `forgetBanSeconds`), and every node
 * must drop it within that window or gossip brings it back. Last, the removed
 * node is reset (CLUSTER RESET HARD: it forgets the cluster, gets a new id and
 * can be added again at once) or, with `shutdown`, stopped as redis-cli does.
 */
import { InputError, NodeCheckError, OperationError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { ConnectOptions } from '../redis/connection.js';
import { NodePool } from '../redis/pool.js';
import { type DelNodePlan, planDelNode } from '../plan/del-node.js';
import { resolveNode } from '../plan/node-ref.js';
import type { ClusterModel } from '../topology/model.js';
import { nodeById, nodeCaps } from '../topology/model.js';
import { observeCluster } from '../topology/observe.js';
import { noNodeReached } from './cluster-ready.js';
import { pollUntil } from './wait.js';

export interface DelNodeOptions extends ConnectOptions {
  seeds: NodeAddress[];
  /** Node to remove: id, id prefix or host:port. */
  node: string;
  /** Master its replicas should follow (id, prefix or host:port). */
  replicasTo?: string;
  /** SHUTDOWN NOSAVE the removed node instead of resetting it. */
  shutdown?: boolean;
  confirm?: (plan: DelNodePlan, model: ClusterModel) => Promise<boolean>;
  onProgress?: (line: string) => void;
}

export async function delNode(opts: DelNodeOptions): Promise<{ plan: DelNodePlan; applied: boolean; warnings: string[] }> {
  const progress = opts.onProgress ?? (() => {});
  const pool = new NodePool({ profile: opts.profile, timeoutMs: opts.timeoutMs });
  const warnings: string[] = [];
  try {
    const model = await observeCluster(opts.seeds, { pool });
    if (model.nodes.length === 0) throw new NodeCheckError(noNodeReached(model));
    const nodeId = resolveAnyId(model, opts.node);
    const replicasTo = opts.replicasTo ? resolveNode(model, opts.replicasTo, '--replicas-to').id : undefined;
    const plan = planDelNode(model, { nodeId, replicasTo });
    const ban = forgetBan(model);
    const down = model.unreachable.filter((u) => u.id !== nodeId);
    if (down.length > 0) {
      throw new NodeCheckError(
        `${down.map((u) => formatAddress(u.address)).join(', ')} cannot be reached: every node must forget ${plan.node} within ${ban} s; nothing was changed`,
      );
    }
    if (opts.confirm && !(await opts.confirm(plan, model))) return { plan, applied: false, warnings };

    for (const r of plan.repoint) {
      progress(`${r.replica}: now replicating ${r.master}`);
      await call(pool, model, r.replicaId, ['CLUSTER', 'REPLICATE', r.masterId]);
    }
    progress(`forgetting ${plan.node} on ${plan.forgetOn.length} node(s)`);
    await Promise.all(
      plan.forgetOn.map((id) =>
        call(pool, model, id, ['CLUSTER', 'FORGET', nodeId]).catch((err) => {
          if (!/Unknown node/i.test(errorText(err))) throw err; // already forgotten: fine
        }),
      ),
    );
    const removed = nodeById(model, nodeId);
    if (removed) {
      const c = await pool.get(removed.address);
      if (opts.shutdown) {
        progress(`shutting down ${plan.node}`);
        await c.call('SHUTDOWN', 'NOSAVE').catch(() => {}); // the connection drops: that is the answer
      } else {
        progress(`resetting ${plan.node} (it leaves the cluster, keeps running, and can be added again)`);
        await c.call('CLUSTER', 'RESET', 'HARD');
      }
    } else {
      warnings.push(`${plan.node} is down: it was forgotten, but reset it (CLUSTER RESET HARD) or wipe its nodes.conf before starting it again, or it will try to rejoin`);
    }
    await waitForgotten(pool, model, plan, ban);
    return { plan, applied: true, warnings };
  } finally {
    await pool.close();
  }
}

/** A reachable node by id/prefix/address, or the id of a node only its peers know (it may be down). */
function resolveAnyId(model: ClusterModel, ref: string): string {
  try {
    return resolveNode(model, ref).id;
  } catch (err) {
    const text = ref.trim().toLowerCase();
    if (!/^[0-9a-f]{8,40}$/.test(text)) throw err;
    const ids = new Set(model.nodes.flatMap((n) => n.table.map((l) => l.id)).filter((id) => id.startsWith(text)));
    if (ids.size === 1) return [...ids][0]!;
    if (ids.size > 1) throw new InputError(`node "${ref}": id prefix matches ${ids.size} nodes; give more characters`);
    throw err;
  }
}

async function call(pool: NodePool, model: ClusterModel, id: string, args: string[]): Promise<unknown> {
  const n = nodeById(model, id)!;
  try {
    return await (await pool.get(n.address)).call(args[0]!, ...args.slice(1));
  } catch (err) {
    throw new OperationError(`${formatAddress(n.address)}: ${args.slice(0, 2).join(' ')} failed: ${errorText(err)}`, { subject: formatAddress(n.address) });
  }
}

/** Checks every remaining node dropped it (gossip from a slow node could otherwise re-add it). */
async function waitForgotten(pool: NodePool, model: ClusterModel, plan: DelNodePlan, ban: number): Promise<void> {
  const seeds = plan.forgetOn.map((id) => nodeById(model, id)!.address);
  let still: string[] = [];
  const ok = await pollUntil(
    async () => {
      const after = await observeCluster(seeds, { pool, seedsOnly: true });
      still = after.nodes.filter((n) => n.table.some((l) => l.id === plan.nodeId)).map((n) => formatAddress(n.address));
      return still.length === 0 ? true : undefined;
    },
    { deadline: Date.now() + 5000, intervalMs: 50 },
  );
  if (!ok) throw new OperationError(`${still.join(', ')} still know ${plan.node} after FORGET: run del-node again within ${ban} s`);
}

/** The shortest FORGET ban among the nodes (60 s on Redis; Valkey's cluster-blacklist-ttl): the window to forget everywhere. */
function forgetBan(model: ClusterModel): number {
  const bans = model.nodes.map((n) => nodeCaps(n).forgetBanSeconds);
  return bans.length > 0 ? Math.min(...bans) : 60;
}

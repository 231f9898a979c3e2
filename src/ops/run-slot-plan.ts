/**
 * runSlotPlan: the observe -> plan -> confirm -> act flow shared by reshard
 * and rebalance. Waits until the cluster is ready, computes the plan from a
 * fresh model (pure planner passed in), shows it, moves the slots, and checks
 * that no slot was left open.
 */
import { NodeCheckError, OperationError, errorText } from '../errors.js';
import type { NodeAddress } from '../redis/address.js';
import type { ConnectOptions } from '../redis/connection.js';
import { NodePool } from '../redis/pool.js';
import { RawConnection } from '../redis/raw-pipeline.js';
import type { SlotMove } from '../plan/slot-moves.js';
import type { ClusterModel } from '../topology/model.js';
import { isMaster, nodeById } from '../topology/model.js';
import { observeCluster } from '../topology/observe.js';
import { blockingProblems, observeReady } from './cluster-ready.js';
import { type MoveOptions, type MoveProgress, type MoveResult, moveSlots, moverNode } from './slot-mover.js';
import { checkScripting, countKeys } from './slot-scripts.js';

export interface SlotPlanOptions<P extends { moves: SlotMove[] }> extends ConnectOptions, Omit<MoveOptions, 'onProgress'> {
  seeds: NodeAddress[];
  plan: (model: ClusterModel) => P;
  /** Sees the plan and the keys it moves before anything changes; false cancels. */
  confirm?: (plan: P, model: ClusterModel, keys: number) => Promise<boolean>;
  /** How long to wait for the cluster to be ready (new nodes known everywhere, state ok). */
  readyTimeoutMs?: number;
  onProgress?: (line: string) => void;
  onMove?: (p: MoveProgress & { keysTotal: number }) => void;
}

export interface SlotPlanResult<P> {
  plan: P;
  applied: boolean;
  keysPlanned: number;
  result?: MoveResult;
}

export async function runSlotPlan<P extends { moves: SlotMove[] }>(opts: SlotPlanOptions<P>): Promise<SlotPlanResult<P>> {
  const progress = opts.onProgress ?? (() => {});
  const pool = new NodePool({ profile: opts.profile, timeoutMs: opts.timeoutMs });
  try {
    const model = await observeReady(pool, opts.seeds, opts.readyTimeoutMs ?? 20_000);
    progress(`cluster ready: ${model.nodes.length} node(s), every node knows every other and reports cluster_state:ok`);
    const masters = model.nodes.filter(isMaster).map(moverNode);
    const plan = opts.plan(model);
    let keysPlanned = 0;
    if (plan.moves.length > 0) {
      await checkScripting(async (m) => new RawConnection(await pool.get(m.address), m.address), masters);
      keysPlanned = await countPlannedKeys(pool, model, plan.moves);
    }
    if (opts.confirm && !(await opts.confirm(plan, model, keysPlanned))) return { plan, applied: false, keysPlanned };
    if (plan.moves.length === 0) return { plan, applied: false, keysPlanned };
    const result = await moveSlots(pool, masters, plan.moves, {
      ...opts,
      onProgress: (p) => opts.onMove?.({ ...p, keysTotal: keysPlanned }),
    }).catch((err: unknown) => {
      if (err instanceof NodeCheckError) throw err; // refused before any change
      // Whatever failed, slots in flight may be open: say how to settle them.
      throw new OperationError(errorText(err), { hint: 'slots in flight may be left open: run rck fix to finish or roll back each one (no key is lost)' });
    });
    const after = await observeCluster(opts.seeds, { pool });
    const left = blockingProblems(after);
    if (left.length > 0) throw new OperationError(`slots were moved but the cluster is not clean: ${left.join('; ')}`);
    return { plan, applied: true, keysPlanned, result };
  } finally {
    await pool.close();
  }
}

/** Keys in the slots to move: one script per source, on the connections already open. */
async function countPlannedKeys(pool: NodePool, model: ClusterModel, moves: SlotMove[]): Promise<number> {
  const counts = await Promise.all(
    moves.map(async (m) => {
      const node = nodeById(model, m.from)!;
      return countKeys(new RawConnection(await pool.get(node.address), node.address), node, m.slots);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

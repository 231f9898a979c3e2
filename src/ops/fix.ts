/**
 * fixCluster: observe, plan a repair per broken slot (src/plan/fix.ts), show it,
 * and run it step by step. Running it again on a fixed cluster finds nothing.
 */
import { OperationError } from '../errors.js';
import type { NodeAddress } from '../redis/address.js';
import type { ConnectOptions } from '../redis/connection.js';
import { NodePool } from '../redis/pool.js';
import { type FixStep, type SlotRepair, planFix } from '../plan/fix.js';
import type { ClusterModel } from '../topology/model.js';
import { configSignature, isMaster, nodeName, openSlots } from '../topology/model.js';
import { observeCluster } from '../topology/observe.js';
import { probeSlotKeys } from '../topology/slot-keys.js';
import { moveSlotKeys } from './move-keys.js';
import { pollUntil } from './wait.js';

export interface FixOptions extends ConnectOptions {
  seeds: NodeAddress[];
  /** Asked with the plan before anything changes; false cancels. */
  confirm?: (repairs: SlotRepair[], model: ClusterModel) => Promise<boolean>;
  onProgress?: (line: string) => void;
  /** How long to wait for every node to agree after the repair, default 30 s. */
  settleTimeoutMs?: number;
}

export interface FixResult {
  repairs: SlotRepair[];
  applied: boolean;
  keysMoved: number;
}

export async function fixCluster(opts: FixOptions): Promise<FixResult> {
  const progress = opts.onProgress ?? (() => {});
  const pool = new NodePool({ profile: opts.profile, timeoutMs: opts.timeoutMs });
  try {
    const model = await observeCluster(opts.seeds, { pool });
    const unreachableMasters = model.unreachable.length;
    const keys = await probeSlotKeys(pool, model);
    const repairs = planFix(model, keys);
    if (repairs.length === 0) return { repairs, applied: false, keysMoved: 0 };
    if (unreachableMasters > 0) {
      // As redis-cli: with nodes down, "uncovered" slots may just be on them; reassigning would lose their data.
      throw new OperationError(
        `${unreachableMasters} node(s) cannot be reached (${model.unreachable.map((u) => `${u.address.host}:${u.address.port}`).join(', ')}); ` +
          'fixing slots now could reassign slots that live on them: nothing was changed',
        { hint: 'bring the nodes back, or remove them from the cluster, then run fix again' },
      );
    }
    const unfixable = repairs.filter((r) => r.unfixable);
    if (opts.confirm && !(await opts.confirm(repairs, model))) return { repairs, applied: false, keysMoved: 0 };
    let keysMoved = 0;
    for (const r of repairs.filter((x) => !x.unfixable)) {
      progress(`slot ${r.slot}: ${r.action}`);
      for (const step of r.steps) keysMoved += await runStep(pool, model, step);
    }
    progress('waiting for every node to agree on the new slot map');
    await waitSettled(pool, opts.seeds, Date.now() + (opts.settleTimeoutMs ?? 30_000));
    if (unfixable.length > 0) {
      throw new OperationError(
        `fixed ${repairs.length - unfixable.length} slot(s); ${unfixable.length} need a person: ${unfixable.map((u) => `slot ${u.slot}: ${u.unfixable}`).join('; ')}`,
      );
    }
    return { repairs, applied: true, keysMoved };
  } finally {
    await pool.close();
  }
}

/** Every node agrees on the slot map, no slot is open, every node reports cluster_state:ok. */
async function waitSettled(pool: NodePool, seeds: NodeAddress[], deadline: number): Promise<void> {
  let last = '';
  const ok = await pollUntil(
    async () => {
      const model = await observeCluster(seeds, { pool });
      const signatures = new Set(model.nodes.map(configSignature));
      const failing = model.nodes.filter((n) => n.clusterInfo.get('cluster_state') !== 'ok').map(nodeName);
      last =
        signatures.size > 1
          ? 'nodes disagree on the slot map'
          : openSlots(model).length > 0
            ? 'slots still open'
            : failing.length
              ? `${failing.join(', ')} report cluster_state:fail`
              : '';
      return last === '' ? true : undefined;
    },
    { deadline, intervalMs: 50 },
  );
  if (!ok)
    throw new OperationError(`repairs applied, but the cluster has not settled: ${last}`, {
      hint: 'run rck check in a moment; run rck fix again if it still reports problems',
    });
}

async function runStep(pool: NodePool, model: ClusterModel, step: FixStep): Promise<number> {
  const node = (id: string) => {
    const n = model.nodes.find((m) => m.id === id && isMaster(m));
    if (!n) throw new OperationError(`node ${id.slice(0, 8)} is no longer a reachable master`);
    return n;
  };
  const slot = String(step.slot);
  if (step.op === 'move-keys') {
    const [src, dst] = [node(step.from), node(step.to)];
    const [sc, dc] = await Promise.all([pool.get(src.address), pool.get(dst.address)]);
    return moveSlotKeys(sc, src.address, dc, dst.address, step.slot, { profile: pool.options.profile });
  }
  const n = node(step.node);
  const c = await pool.get(n.address);
  const where = nodeName(n);
  try {
    switch (step.op) {
      case 'claim': {
        // As one transaction: drop any stale claim, take the slot, and win any epoch conflict.
        const res = await c.multi().call('CLUSTER', 'DELSLOTS', slot).call('CLUSTER', 'ADDSLOTS', slot).call('CLUSTER', 'BUMPEPOCH').exec();
        const addErr = res?.[1]?.[0];
        if (addErr) throw addErr;
        await c.call('CLUSTER', 'SETSLOT', slot, 'STABLE');
        break;
      }
      case 'delslot':
        await c.call('CLUSTER', 'DELSLOTS', slot).catch((e: Error) => {
          if (!/already unassigned/i.test(e.message)) throw e;
        });
        break;
      case 'setslot-node':
        await c.call('CLUSTER', 'SETSLOT', slot, 'NODE', step.owner);
        break;
      case 'setslot-importing':
        await c.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', step.from);
        break;
      case 'setslot-stable':
        await c.call('CLUSTER', 'SETSLOT', slot, 'STABLE');
        break;
    }
  } catch (err) {
    throw new OperationError(`${where}: ${step.op} of slot ${slot} failed: ${(err as Error).message}`, { subject: where });
  }
  return 0;
}

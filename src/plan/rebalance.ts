/**
 * planRebalance: redis-cli --cluster rebalance's algorithm, as a pure function.
 * Each involved master should own 16384 * weight / total weight slots; when any
 * is off by more than the threshold (percent), slots move from the nodes with
 * the largest surplus to those with the largest deficit. Masters without slots
 * take part only with useEmptyMasters; a weight of 0 drains a master.
 */
import { InputError } from '../errors.js';
import { SLOT_COUNT } from '../topology/slots.js';
import type { MasterSlots, SlotMove } from './slot-moves.js';
import { mergeMoves } from './slot-moves.js';

export interface RebalanceOptions {
  /** master id -> weight; default 1. */
  weights?: ReadonlyMap<string, number>;
  /** Percent; rebalance only when some master is further than this from its share. Default 2. */
  threshold?: number;
  useEmptyMasters?: boolean;
}

export interface RebalanceNode {
  id: string;
  name: string;
  weight: number;
  slots: number;
  /** Slots it owns once the plan has run. */
  after: number;
}

export interface RebalancePlan {
  /** False when every master is within the threshold (moves is then empty). */
  needed: boolean;
  reason: string;
  nodes: RebalanceNode[];
  moves: SlotMove[];
}

export const DEFAULT_THRESHOLD = 2;

export function planRebalance(masters: readonly MasterSlots[], opts: RebalanceOptions = {}): RebalancePlan {
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold >= 0)) throw new InputError(`invalid threshold ${threshold}: expected a percentage >= 0`);
  for (const [id, w] of opts.weights ?? []) {
    if (!masters.some((m) => m.id === id)) throw new InputError(`weight given for ${id.slice(0, 8)}, which is not a master of this cluster`);
    if (!(w >= 0) || !Number.isFinite(w)) throw new InputError(`invalid weight ${w} for ${id.slice(0, 8)}: expected a number >= 0`);
  }
  const involved = [...masters]
    .sort((a, b) => a.id.localeCompare(b.id)) // the result must not depend on input order
    .filter((m) => m.slots.length > 0 || opts.useEmptyMasters)
    .map((m) => ({ m, weight: opts.weights?.get(m.id) ?? 1, balance: 0 }));
  const summary = (after: Map<string, number>) =>
    involved.map(({ m, weight }) => ({ id: m.id, name: m.name, weight, slots: m.slots.length, after: after.get(m.id) ?? m.slots.length }));
  const totalWeight = involved.reduce((n, x) => n + x.weight, 0);
  if (involved.length < 2) {
    return {
      needed: false,
      reason: 'fewer than 2 masters take part (use --use-empty-masters to include masters without slots)',
      nodes: summary(new Map()),
      moves: [],
    };
  }
  if (totalWeight <= 0) throw new InputError('every master has weight 0: at least one must keep the slots');

  let overThreshold = false;
  let totalBalance = 0;
  for (const x of involved) {
    const expected = Math.floor((SLOT_COUNT * x.weight) / totalWeight);
    x.balance = x.m.slots.length - expected;
    totalBalance += x.balance;
    const have = x.m.slots.length;
    if (have > 0 ? Math.abs(100 - (100 * expected) / have) > threshold : expected > 1) overThreshold = true;
  }
  if (!overThreshold) {
    return { needed: false, reason: `every master is within ${threshold}% of its share`, nodes: summary(new Map()), moves: [] };
  }
  // Rounding leaves a surplus; give it to the receivers so givers and takers match.
  while (totalBalance > 0) {
    for (const x of involved) {
      if (x.balance <= 0 && totalBalance > 0) {
        x.balance--;
        totalBalance--;
      }
    }
  }
  // Takers (negative balance) first, givers last; ties by id for a stable plan.
  const order = [...involved].sort((a, b) => a.balance - b.balance || a.m.id.localeCompare(b.m.id));
  const remaining = new Map(involved.map((x) => [x.m.id, [...x.m.slots]]));
  const moves: SlotMove[] = [];
  let di = 0;
  let si = order.length - 1;
  while (di < si) {
    const dst = order[di]!;
    const src = order[si]!;
    const n = Math.min(Math.abs(dst.balance), Math.abs(src.balance));
    if (n > 0) {
      const pool = remaining.get(src.m.id)!;
      moves.push({ from: src.m.id, to: dst.m.id, slots: pool.splice(0, n) });
    }
    dst.balance += n;
    src.balance -= n;
    if (dst.balance === 0) di++;
    if (src.balance === 0) si--;
  }
  const merged = mergeMoves(moves);
  const after = new Map(involved.map((x) => [x.m.id, x.m.slots.length]));
  for (const mv of merged) {
    after.set(mv.from, after.get(mv.from)! - mv.slots.length);
    after.set(mv.to, after.get(mv.to)! + mv.slots.length);
  }
  return { needed: true, reason: `some master is more than ${threshold}% away from its share`, nodes: summary(after), moves: merged };
}

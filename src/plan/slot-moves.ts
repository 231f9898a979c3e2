/**
 * Slot moves: the plain data reshard and rebalance plans are made of, and the
 * masters' slot holdings they are computed from. Pure.
 */
import type { ClusterModel } from '../topology/model.js';
import { isMaster, nodeName } from '../topology/model.js';
import { formatRanges, rangesFromSlots, slotsFromRanges } from '../topology/slots.js';

/** Move these slots (and their keys) from one master to another. */
export interface SlotMove {
  from: string;
  to: string;
  /** Sorted ascending. */
  slots: number[];
}

/** A master and the slots it owns in its own configuration. */
export interface MasterSlots {
  id: string;
  /** host:port, for messages. */
  name: string;
  /** Sorted ascending. */
  slots: number[];
}

/** Reachable masters and their slots, sorted by id so planners are deterministic. */
export function masterSlots(model: ClusterModel): MasterSlots[] {
  return model.nodes
    .filter(isMaster)
    .map((n) => ({ id: n.id, name: nodeName(n), slots: slotsFromRanges(n.self?.slots ?? []) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function countMovedSlots(moves: readonly SlotMove[]): number {
  return moves.reduce((n, m) => n + m.slots.length, 0);
}

/** One line per move, as a person reads the plan. */
export function describeMove(m: SlotMove, nameOf: (id: string) => string): string {
  return `${m.slots.length} slot(s) ${nameOf(m.from)} -> ${nameOf(m.to)}: ${formatRanges(rangesFromSlots(m.slots))}`;
}

/** Merges moves with the same source and target (plans built step by step can repeat a pair). */
export function mergeMoves(moves: readonly SlotMove[]): SlotMove[] {
  const byPair = new Map<string, SlotMove>();
  for (const m of moves) {
    if (m.slots.length === 0) continue;
    const key = `${m.from}>${m.to}`;
    const prev = byPair.get(key);
    if (prev) prev.slots = [...prev.slots, ...m.slots].sort((a, b) => a - b);
    else byPair.set(key, { from: m.from, to: m.to, slots: [...m.slots].sort((a, b) => a - b) });
  }
  return [...byPair.values()];
}

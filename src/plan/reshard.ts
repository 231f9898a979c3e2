/**
 * planReshard: which slots go from which masters to one target, like
 * redis-cli --cluster reshard. Either a number of slots, taken from the sources
 * in proportion to what each owns (exactly that many, largest remainder), or an
 * explicit slot list, each slot taken from its current owner. Pure.
 */
import { InputError } from '../errors.js';
import { SLOT_COUNT } from '../topology/slots.js';
import type { MasterSlots, SlotMove } from './slot-moves.js';

export interface ReshardRequest {
  /** Target master id. */
  to: string;
  /** Source master ids; default: every other master that owns slots. Ignored with `slots`. */
  from?: string[];
  /** How many slots to move. */
  count?: number;
  /** Exactly these slots. */
  slots?: number[];
}

export interface ReshardPlan {
  moves: SlotMove[];
  /** Requested slots the target already owns (explicit list only). */
  alreadyOnTarget: number[];
}

export function planReshard(masters: readonly MasterSlots[], req: ReshardRequest): ReshardPlan {
  const target = masters.find((m) => m.id === req.to);
  if (!target) throw new InputError(`target ${req.to.slice(0, 8)} is not a master of this cluster`);
  if ((req.count === undefined) === (req.slots === undefined)) throw new InputError('give either a number of slots or a slot list, not both');
  if (req.slots) return planSlotList(masters, target, req.slots);
  return planCount(masters, target, req.count!, req.from);
}

function planSlotList(masters: readonly MasterSlots[], target: MasterSlots, slots: number[]): ReshardPlan {
  const owner = new Map<number, string>();
  for (const m of masters) for (const s of m.slots) owner.set(s, m.id);
  const bySource = new Map<string, number[]>();
  const alreadyOnTarget: number[] = [];
  for (const s of [...new Set(slots)].sort((a, b) => a - b)) {
    if (!Number.isInteger(s) || s < 0 || s >= SLOT_COUNT) throw new InputError(`invalid slot ${s}: expected 0..${SLOT_COUNT - 1}`);
    const from = owner.get(s);
    if (!from) throw new InputError(`slot ${s} is not served by any master: run rck fix first`);
    if (from === target.id) alreadyOnTarget.push(s);
    else bySource.set(from, [...(bySource.get(from) ?? []), s]);
  }
  const moves = [...bySource].sort(([a], [b]) => a.localeCompare(b)).map(([from, s]) => ({ from, to: target.id, slots: s }));
  return { moves, alreadyOnTarget };
}

function planCount(masters: readonly MasterSlots[], target: MasterSlots, count: number, from?: string[]): ReshardPlan {
  if (!Number.isInteger(count) || count < 1 || count > SLOT_COUNT) throw new InputError(`invalid number of slots ${count}: expected 1..${SLOT_COUNT}`);
  let sources: MasterSlots[];
  if (from && from.length > 0) {
    if (from.includes(target.id)) throw new InputError(`the target ${target.name} cannot also be a source`);
    sources = from.map((id) => {
      const m = masters.find((x) => x.id === id);
      if (!m) throw new InputError(`source ${id.slice(0, 8)} is not a master of this cluster`);
      return m;
    });
  } else {
    sources = masters.filter((m) => m.id !== target.id && m.slots.length > 0);
  }
  const available = sources.reduce((n, s) => n + s.slots.length, 0);
  if (available < count) {
    throw new InputError(`the source(s) own ${available} slot(s) between them, fewer than the ${count} asked for`);
  }
  // Largest remainder: each source gives its share, rounding settled by biggest fraction (then by id).
  const shares = sources.map((s) => {
    const exact = (count * s.slots.length) / available;
    return { s, n: Math.floor(exact), frac: exact - Math.floor(exact) };
  });
  let left = count - shares.reduce((n, x) => n + x.n, 0);
  for (const x of [...shares].sort((a, b) => b.frac - a.frac || b.s.slots.length - a.s.slots.length || a.s.id.localeCompare(b.s.id))) {
    if (left === 0) break;
    x.n++;
    left--;
  }
  // Take from the start of each source's slots, as redis-cli does, which keeps ranges contiguous.
  const moves = shares
    .filter((x) => x.n > 0)
    .sort((a, b) => a.s.id.localeCompare(b.s.id))
    .map((x) => ({ from: x.s.id, to: target.id, slots: x.s.slots.slice(0, x.n) }));
  return { moves, alreadyOnTarget: [] };
}

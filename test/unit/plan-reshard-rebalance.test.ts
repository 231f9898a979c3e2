import { describe, expect, it } from 'vitest';
import { planRebalance } from '../../src/plan/rebalance.js';
import { planReshard } from '../../src/plan/reshard.js';
import { type MasterSlots, countMovedSlots, mergeMoves } from '../../src/plan/slot-moves.js';
import { SLOT_COUNT, slotsFromRanges, splitSlots } from '../../src/topology/slots.js';

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
/** n masters a, b, c... with redis-cli's split, plus empty ones. */
function masters(n: number, empty = 0): MasterSlots[] {
  const parts = splitSlots(n);
  const out: MasterSlots[] = parts.map((r, i) => ({ id: String.fromCharCode(97 + i).repeat(40), name: `m${i}`, slots: slotsFromRanges([r]) }));
  for (let i = 0; i < empty; i++) out.push({ id: String.fromCharCode(97 + n + i).repeat(40), name: `e${i}`, slots: [] });
  return out;
}
const id = (ch: string) => ch.repeat(40);

/** Slots per master after applying moves. */
function apply(ms: MasterSlots[], moves: { from: string; to: string; slots: number[] }[]): Map<string, number> {
  const owner = new Map<number, string>();
  for (const m of ms) for (const s of m.slots) owner.set(s, m.id);
  for (const mv of moves) {
    for (const s of mv.slots) {
      expect(owner.get(s), `slot ${s} moved from its owner`).toBe(mv.from);
      owner.set(s, mv.to);
    }
  }
  const count = new Map(ms.map((m) => [m.id, 0]));
  for (const o of owner.values()) count.set(o, count.get(o)! + 1);
  return count;
}

describe('planReshard', () => {
  it('takes exactly N slots from the sources in proportion, lowest slots first', () => {
    const ms = masters(3);
    const { moves } = planReshard(ms, { to: id('a'), count: 1001 });
    expect(countMovedSlots(moves)).toBe(1001);
    expect(moves.map((m) => [m.from, m.slots.length])).toEqual([
      [id('b'), 501],
      [id('c'), 500],
    ]);
    expect(moves[0]!.slots[0]).toBe(5461);
    expect(apply(ms, moves).get(id('a'))).toBe(5461 + 1001);
  });

  it('uses only the given sources, and refuses impossible requests', () => {
    const ms = masters(3);
    expect(planReshard(ms, { to: id('a'), count: 10, from: [id('c')] }).moves).toEqual([{ from: id('c'), to: id('a'), slots: range(10923, 10932) }]);
    expect(() => planReshard(ms, { to: id('a'), count: 6000, from: [id('c')] })).toThrow(/own 5461 slot\(s\) between them, fewer than the 6000/);
    expect(() => planReshard(ms, { to: id('a'), count: 10, from: [id('a')] })).toThrow(/cannot also be a source/);
    expect(() => planReshard(ms, { to: id('z'), count: 10 })).toThrow(/is not a master/);
    expect(() => planReshard(ms, { to: id('a'), count: 0 })).toThrow(/invalid number of slots 0/);
    expect(() => planReshard(ms, { to: id('a') })).toThrow(/either a number of slots or a slot list/);
  });

  it('moves an explicit slot list from each slot owner and skips the target own slots', () => {
    const ms = masters(3);
    const plan = planReshard(ms, { to: id('b'), slots: [0, 1, 5461, 16383, 1] });
    expect(plan.alreadyOnTarget).toEqual([5461]);
    expect(plan.moves).toEqual([
      { from: id('a'), to: id('b'), slots: [0, 1] },
      { from: id('c'), to: id('b'), slots: [16383] },
    ]);
    expect(() => planReshard(ms, { to: id('b'), slots: [SLOT_COUNT] })).toThrow(/invalid slot 16384/);
  });
});

describe('planRebalance', () => {
  it('fills empty masters only with useEmptyMasters, like redis-cli', () => {
    const ms = masters(3, 1);
    expect(planRebalance(ms).needed).toBe(false);
    const plan = planRebalance(ms, { useEmptyMasters: true });
    expect(plan.needed).toBe(true);
    expect(countMovedSlots(plan.moves)).toBe(4096);
    const after = apply(ms, plan.moves);
    expect([...after.values()].sort()).toEqual([4096, 4096, 4096, 4096]);
    expect(plan.moves.every((m) => m.to === id('d'))).toBe(true);
    expect(plan.nodes.find((n) => n.id === id('d'))!.after).toBe(4096);
  });

  it('respects the threshold and is deterministic', () => {
    const ms: MasterSlots[] = [
      { id: id('a'), name: 'a', slots: range(0, 5500) },
      { id: id('b'), name: 'b', slots: range(5501, 10922) },
      { id: id('c'), name: 'c', slots: range(10923, 16383) },
    ];
    // a is 0.7% over its share: within 2%, not within 0.5%.
    expect(planRebalance(ms).needed).toBe(false);
    const tight = planRebalance(ms, { threshold: 0.5 });
    expect(tight.needed).toBe(true);
    expect(tight).toEqual(planRebalance([...ms].reverse(), { threshold: 0.5 }));
    expect(Math.max(...apply(ms, tight.moves).values()) - Math.min(...apply(ms, tight.moves).values())).toBeLessThanOrEqual(2);
  });

  it('follows weights; weight 0 drains a master', () => {
    const ms = masters(4);
    const drain = planRebalance(ms, { weights: new Map([[id('d'), 0]]) });
    const after = apply(ms, drain.moves);
    expect(after.get(id('d'))).toBe(0);
    expect(drain.moves.every((m) => m.from === id('d'))).toBe(true);
    const heavy = apply(ms, planRebalance(ms, { weights: new Map([[id('a'), 2]]) }).moves);
    expect(heavy.get(id('a'))).toBeGreaterThanOrEqual(6553);
    expect(heavy.get(id('a'))).toBeLessThanOrEqual(6556);
    expect(() => planRebalance(ms, { weights: new Map([[id('z'), 1]]) })).toThrow(/not a master/);
    expect(() => planRebalance(ms, { weights: new Map([[id('a'), -1]]) })).toThrow(/invalid weight -1/);
    expect(() => planRebalance(ms, { weights: new Map(ms.map((m) => [m.id, 0])) })).toThrow(/every master has weight 0/);
  });

  it('merges repeated source/target pairs', () => {
    expect(
      mergeMoves([
        { from: 'x', to: 'y', slots: [5, 1] },
        { from: 'x', to: 'y', slots: [3] },
        { from: 'x', to: 'z', slots: [] },
      ]),
    ).toEqual([{ from: 'x', to: 'y', slots: [1, 3, 5] }]);
  });
});

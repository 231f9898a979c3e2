import { describe, expect, it } from 'vitest';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import { planHeal } from '../../src/plan/heal/index.js';
import { scaleView, slotClaimsOverlap } from '../../src/plan/heal/scale.js';
import { countMovedSlots } from '../../src/plan/slot-moves.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const shape = (masters: number, replicasPerMaster: number): DesiredShape => ({ masters, replicasPerMaster, nodeTimeoutMs: 5000, placement: 'ordinal' });
const [A, B, C] = ['a', 'b', 'c'].map((c) => c.repeat(40)) as [string, string, string];
const G = '6'.repeat(40);
const H = '7'.repeat(40);

/** The seed 3x1 after a scale-out to 4x1: r-6 a master with its share, r-7 its replica. */
function fourByOne(): FakeMember[] {
  const m = seedMembers();
  m[0] = { ...m[0]!, slots: [[1365, 5460]] };
  m[1] = { ...m[1]!, slots: [[6826, 10922]] };
  m[2] = { ...m[2]!, slots: [[12288, 16383]] };
  m.push({
    name: 'r-6',
    id: G,
    port: 7006,
    domain: 'n3',
    role: 'master',
    slots: [
      [0, 1364],
      [5461, 6825],
      [10923, 12287],
    ],
  });
  m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', role: 'replica', master: G });
  return m;
}

describe('planHeal: scaling', () => {
  it('grows the member count first when the spec asks for more', () => {
    const plan = planHeal(observation(seedMembers()), shape(4, 1));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'set-member-count', count: 8 })]);
  });

  it('brings a new member in as an empty master, in a failure domain without a master', () => {
    const m = seedMembers();
    m.push({ name: 'r-6', id: '8'.repeat(40), port: 7006, domain: 'n0', fresh: true });
    m.push({ name: 'r-7', id: G, port: 7007, domain: 'n3', fresh: true });
    const plan = planHeal(observation(m), shape(4, 1));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'join-master', member: 'r-7' })]);
  });

  it('attaches the other new member to the new master, not to an old one', () => {
    const m = seedMembers();
    m.push({ name: 'r-6', id: G, port: 7006, domain: 'n3', role: 'master' });
    m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', fresh: true });
    const plan = planHeal(observation(m), shape(4, 1));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'join-replica', member: 'r-7', masterId: G })]);
  });

  it('then spreads the slots evenly onto the new master', () => {
    const m = seedMembers();
    m.push({ name: 'r-6', id: G, port: 7006, domain: 'n3', role: 'master' });
    m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', role: 'replica', master: G });
    const plan = planHeal(observation(m), shape(4, 1));
    expect(plan.actions).toHaveLength(1);
    const a = plan.actions[0]!;
    if (a.kind !== 'move-slots') throw new Error(`expected move-slots, got ${a.kind}`);
    expect(a.moves.every((mv) => mv.to === G)).toBe(true);
    expect(countMovedSlots(a.moves)).toBe(4096);
  });

  it('is done once the four masters hold their share', () => {
    const plan = planHeal(observation(fourByOne()), shape(4, 1));
    expect(plan.actions).toEqual([]);
  });

  it('leaves an imbalance a person made alone (weights), but fills a master a crash left half empty', () => {
    const weighted = fourByOne();
    weighted[0] = { ...weighted[0]!, slots: [[1365, 7000]] };
    weighted[1] = { ...weighted[1]!, slots: [[7001, 10922]] };
    expect(planHeal(observation(weighted), shape(4, 1)).actions).toEqual([]);
    const half = fourByOne();
    half[0] = { ...half[0]!, slots: [[0, 5460]] };
    half[2] = { ...half[2]!, slots: [[10923, 16383]] };
    half[6] = { ...half[6]!, slots: [[5461, 6825]] }; // 1365 of its 4096: under half its share
    expect(planHeal(observation(half), shape(4, 1)).actions.map((a) => a.kind)).toEqual(['move-slots']);
  });

  it('recycles a spare replica into the wanted master when no member is empty (a master drained by hand)', () => {
    const m = seedMembers();
    m.push({ name: 'r-6', id: G, port: 7006, domain: 'n3', role: 'replica', master: A });
    m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', role: 'replica', master: A });
    expect(planHeal(observation(m), shape(4, 1)).actions).toEqual([expect.objectContaining({ kind: 'retire', members: ['r-7'] })]);
    m[7] = { name: 'r-7', id: '9'.repeat(40), port: 7007, domain: 'n0', fresh: true };
    expect(planHeal(observation(m), shape(4, 1)).actions).toEqual([expect.objectContaining({ kind: 'join-master', member: 'r-7' })]);
  });

  it('scale-in drains the highest-ordinal shard onto the kept masters', () => {
    const plan = planHeal(observation(fourByOne()), shape(3, 1));
    const a = plan.actions[0]!;
    if (a.kind !== 'move-slots') throw new Error(`expected move-slots, got ${a.kind}`);
    expect(a.moves.every((mv) => mv.from === G)).toBe(true);
    expect(new Set(a.moves.map((mv) => mv.to))).toEqual(new Set([A, B, C]));
    expect(countMovedSlots(a.moves)).toBe(4095);
  });

  it('retires the drained members, then shrinks', () => {
    const m = seedMembers();
    // Redis made the emptied master a replica of the node that took its last slot.
    m.push({ name: 'r-6', id: G, port: 7006, domain: 'n3', role: 'replica', master: C });
    m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', role: 'replica', master: C });
    expect(planHeal(observation(m), shape(3, 1)).actions).toEqual([expect.objectContaining({ kind: 'retire', members: ['r-6', 'r-7'] })]);
    const reset = seedMembers();
    reset.push({ name: 'r-6', id: '8'.repeat(40), port: 7006, domain: 'n3', fresh: true });
    reset.push({ name: 'r-7', id: '9'.repeat(40), port: 7007, domain: 'n0', fresh: true });
    expect(planHeal(observation(reset), shape(3, 1)).actions).toEqual([expect.objectContaining({ kind: 'set-member-count', count: 6 })]);
  });

  it('scales in past a leaving member that is down and owns nothing, and waits while one that is down may own slots', () => {
    const m = fourByOne();
    m[7] = { ...m[7]!, up: false }; // r-7, r-6's replica, is gone
    expect(planHeal(observation(m), shape(3, 1)).actions.map((a) => a.kind)).toEqual(['move-slots']);
    const drained = seedMembers();
    drained.push({ name: 'r-6', id: '8'.repeat(40), port: 7006, domain: 'n3', fresh: true });
    drained.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', up: false });
    expect(planHeal(observation(drained), shape(3, 1)).actions).toEqual([expect.objectContaining({ kind: 'set-member-count', count: 6 })]);
    const masterDown = fourByOne();
    masterDown[6] = { ...masterDown[6]!, up: false }; // r-6 still owns slots
    expect(planHeal(observation(masterDown), shape(3, 1)).actions.map((a) => a.kind)).not.toContain('move-slots');
    expect(planHeal(observation(masterDown), shape(3, 1)).actions.map((a) => a.kind)).not.toContain('set-member-count');
  });

  it('hands a leaving master role to its kept replica instead of draining (replicas 2 -> 1)', () => {
    const m = seedMembers();
    // r-2 became a replica of r-8 after a failover; r-8 is leaving.
    m[2] = { ...m[2]!, role: 'replica', master: '8'.repeat(40), slots: undefined };
    m[5] = { ...m[5]!, master: '8'.repeat(40) };
    m.push({ name: 'r-6', id: '6'.repeat(40), port: 7006, domain: 'n2', role: 'replica', master: A });
    m.push({ name: 'r-7', id: '7'.repeat(40), port: 7007, domain: 'n0', role: 'replica', master: B });
    m.push({ name: 'r-8', id: '8'.repeat(40), port: 7008, domain: 'n1', role: 'master', slots: [[10923, 16383]] });
    const plan = planHeal(observation(m), shape(3, 1));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'planned-failover', member: 'r-2' })]);
  });

  it('does not attach leaving members, and re-points a kept replica whose master drained', () => {
    const m = seedMembers();
    m[3] = { ...m[3]!, master: G }; // kept r-3 follows the leaving r-6, which has no slots any more
    m[0] = { ...m[0]!, slots: [[0, 5460]] };
    m.push({ name: 'r-6', id: G, port: 7006, domain: 'n3', role: 'master' });
    m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', fresh: true });
    const plan = planHeal(observation(m), shape(3, 1));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'replicate', member: 'r-3', masterId: A })]);
  });

  it('adds replicas: each new member to a different master (replicas 1 -> 2)', () => {
    const m = seedMembers();
    m.push({ name: 'r-6', id: G, port: 7006, domain: 'n2', fresh: true });
    m.push({ name: 'r-7', id: H, port: 7007, domain: 'n0', fresh: true });
    m.push({ name: 'r-8', id: '8'.repeat(40), port: 7008, domain: 'n1', fresh: true });
    const plan = planHeal(observation(m), shape(3, 2));
    expect(plan.actions.map((a) => a.kind)).toEqual(['join-replica', 'join-replica', 'join-replica']);
    expect(new Set(plan.actions.map((a) => (a as { masterId: string }).masterId))).toEqual(new Set([A, B, C]));
  });

  it('moves a replica from a master with too many to one with too few', () => {
    const m = seedMembers();
    m[4] = { ...m[4]!, master: A }; // r-0 has r-3 and r-4; r-1 has none
    const plan = planHeal(observation(m), shape(3, 1));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'replicate', masterId: B })]);
  });

  it('keeps the first masters by ordinal and drains a surplus one (a cluster made 4x1, scaled to 3x1)', () => {
    const m = fourByOne();
    const view = scaleView(observation(m), shape(3, 1));
    expect(view.drains).toEqual([G]);
    expect([...view.leaving]).toEqual(['r-6', 'r-7']);
  });
});

describe('slot plans on a view where two masters claim the same slots', () => {
  it('slotClaimsOverlap finds any shared slot, and none between disjoint ranges', () => {
    expect(
      slotClaimsOverlap([
        { start: 0, end: 100 },
        { start: 10, end: 20 },
        { start: 30, end: 40 },
      ]),
    ).toBe(true);
    expect(
      slotClaimsOverlap([
        { start: 0, end: 5460 },
        { start: 5461, end: 10922 },
        { start: 10923, end: 16383 },
      ]),
    ).toBe(false);
  });

  it('planHeal waits (a failover in flight) instead of planning moves: it used to never return', () => {
    const members = seedMembers();
    // r-3 was promoted over r-0, which still claims its old slots (it has not heard yet).
    members[3] = { ...members[3]!, role: 'master', master: undefined, slots: [[0, 5460]] };
    const plan = planHeal(observation(members), { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' });
    expect(plan.actions.filter((a) => a.kind === 'move-slots' || a.kind === 'retire' || a.kind === 'planned-failover')).toEqual([]);
    expect(plan.waiting.join()).toMatch(/two masters claim the same slots/);
  });
});

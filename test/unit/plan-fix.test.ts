import { describe, expect, it } from 'vitest';
import { type FixStep, type SlotKeyCounts, planFix, slotsNeedingRepair } from '../../src/plan/fix.js';
import type { ClusterModel } from '../../src/topology/model.js';
import type { SlotRange } from '../../src/topology/slots.js';
import { fixtureModel } from '../support/model-fixture.js';

// Three masters; names as planFix prints them (nodeName = host:port).
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const [NA, NB, NC] = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const r = (start: number, end = start): SlotRange => ({ start, end });
// The usual even split; tests carve slot 100 out of it or add it to another master.
const SPLIT = { a: [r(0, 5460)], b: [r(5461, 10922)], c: [r(10923, 16383)] };

function cluster(slots: { a?: SlotRange[]; b?: SlotRange[]; c?: SlotRange[] } = {}): ClusterModel {
  const s = { ...SPLIT, ...slots };
  return fixtureModel([
    { id: A, port: 7000, slots: s.a },
    { id: B, port: 7001, slots: s.b },
    { id: C, port: 7002, slots: s.c },
  ]);
}
const WITHOUT_100 = { a: [r(0, 99), r(101, 5460)] };

/** Opens a slot on one node's own line, as CLUSTER SETSLOT MIGRATING/IMPORTING would. */
function open(model: ClusterModel, id: string, state: 'migrating' | 'importing', slot: number, peer: string): ClusterModel {
  model.nodes.find((n) => n.id === id)!.self![state].set(slot, peer);
  return model;
}

function keys(...entries: [string, number, number][]): SlotKeyCounts {
  const out = new Map<string, Map<number, number>>();
  for (const [id, slot, n] of entries) out.set(id, (out.get(id) ?? new Map()).set(slot, n));
  return out;
}
const NONE = keys();
const announce = (owner: string, ...to: string[]): FixStep[] => to.map((node) => ({ op: 'setslot-node', node, slot: 100, owner }));

describe('slotsNeedingRepair', () => {
  it('finds nothing on a fully covered, stable cluster whose keys sit on their owners', () => {
    expect(slotsNeedingRepair(cluster(), keys([A, 100, 3], [B, 6000, 2]))).toEqual([]);
    expect(planFix(cluster(), NONE)).toEqual([]);
  });

  it('lists uncovered, multiply owned, open and stray-key slots once each, sorted', () => {
    const m = cluster({ a: [r(0, 99), r(101, 5460)], b: [r(5461, 10922), r(50)] });
    open(m, B, 'importing', 12000, C); // open on one node
    open(m, A, 'migrating', 20, B); // open on two nodes: listed once
    open(m, B, 'importing', 20, A);
    // 7000 holds keys in a slot of C; a zero count elsewhere is no problem.
    expect(slotsNeedingRepair(m, keys([A, 11000, 4], [A, 9000, 0]))).toEqual([20, 50, 100, 11000, 12000]);
  });
});

describe('planFix: uncovered slots', () => {
  it('no keys anywhere: the least-loaded master claims it and every other master is told', () => {
    // Without slot 100, 7000 owns the fewest slots (5460, against 5462 and 5461).
    expect(planFix(cluster(WITHOUT_100), NONE)).toEqual([
      {
        slot: 100,
        problem: 'not covered, no keys anywhere',
        action: `assign to ${NA}`,
        steps: [{ op: 'claim', node: A, slot: 100 }, ...announce(A, B, C)],
      },
    ]);
  });

  it('no keys anywhere, several slots: each claim counts toward the load, ties go to the lower id', () => {
    // Slots 0 and 1 are uncovered; 7002 has the fewest (5460), then all three tie at 5461.
    const m = cluster({ a: [r(2, 5462)], b: [r(5463, 10923)], c: [r(10924, 16383)] });
    const owners = planFix(m, NONE).map((p) => [p.slot, p.steps[0]]);
    expect(owners).toEqual([
      [0, { op: 'claim', node: C, slot: 0 }],
      [1, { op: 'claim', node: A, slot: 1 }],
    ]);
  });

  it('keys on one master: that master claims it, even if it is not the least loaded', () => {
    const [p] = planFix(cluster(WITHOUT_100), keys([B, 100, 7]));
    expect(p).toEqual({
      slot: 100,
      problem: `not covered, keys on ${NB}`,
      action: `assign to ${NB}`,
      steps: [{ op: 'claim', node: B, slot: 100 }, ...announce(B, A, C)],
    });
  });

  it("keys on several masters: the one with most keys claims it, the others' keys are moved there", () => {
    const [p] = planFix(cluster(WITHOUT_100), keys([B, 100, 5], [C, 100, 9]));
    expect(p!.problem).toBe(`not covered, keys on ${NB}, ${NC}`);
    expect(p!.action).toBe(`assign to ${NC} (most keys) and move the other nodes' keys there`);
    expect(p!.steps).toEqual([
      { op: 'claim', node: C, slot: 100 },
      // 7001 must accept the owner and be importing to MIGRATE keys of a slot it does not own.
      { op: 'setslot-node', node: B, slot: 100, owner: C },
      { op: 'setslot-importing', node: B, slot: 100, from: C },
      { op: 'move-keys', slot: 100, from: B, to: C },
      { op: 'setslot-stable', node: B, slot: 100 },
      ...announce(C, A, B),
    ]);
    // Keys are only moved, never deleted.
    expect(p!.steps.map((s) => s.op)).not.toContain('delslot');
  });

  it('keys on several masters with equal counts: the lower id wins', () => {
    const [p] = planFix(cluster(WITHOUT_100), keys([C, 100, 4], [B, 100, 4]));
    expect(p!.steps[0]).toEqual({ op: 'claim', node: B, slot: 100 });
    expect(p!.steps).toContainEqual({ op: 'move-keys', slot: 100, from: C, to: B });
  });
});

describe('planFix: open slots', () => {
  it('migrating on the owner and importing on the target: finish the migration', () => {
    const m = open(open(cluster(), A, 'migrating', 100, B), B, 'importing', 100, A);
    const [p] = planFix(m, keys([A, 100, 10], [B, 100, 2]));
    expect(p).toEqual({
      slot: 100,
      problem: `owned by ${NA}, migrating on ${NA}, importing (or holding keys) on ${NB}`,
      action: `finish the migration from ${NA} to ${NB}`,
      steps: [{ op: 'move-keys', slot: 100, from: A, to: B }, { op: 'setslot-node', node: B, slot: 100, owner: B }, ...announce(B, A, C)],
    });
  });

  it("importing only: move the importer's keys to the owner and close the slot everywhere", () => {
    const m = open(cluster(), B, 'importing', 100, A);
    const [p] = planFix(m, keys([A, 100, 10], [B, 100, 2]));
    expect(p!.action).toBe(`move every key of the slot to its owner ${NA} and close the slot`);
    expect(p!.steps).toEqual([
      // 7001 is already importing: no SETSLOT IMPORTING again.
      { op: 'move-keys', slot: 100, from: B, to: A },
      { op: 'setslot-stable', node: B, slot: 100 },
      ...announce(A, B, C),
      { op: 'setslot-stable', node: A, slot: 100 },
    ]);
  });

  it('keys on a non-owner with nothing open: the holder is opened as importing, its keys moved to the owner', () => {
    const [p] = planFix(cluster(), keys([A, 100, 1], [C, 100, 3]));
    expect(p!.problem).toBe(`owned by ${NA}, importing (or holding keys) on ${NC}`);
    expect(p!.steps.slice(0, 3)).toEqual([
      { op: 'setslot-importing', node: C, slot: 100, from: A },
      { op: 'move-keys', slot: 100, from: C, to: A },
      { op: 'setslot-stable', node: C, slot: 100 },
    ]);
  });

  it('migrating only, on the owner: just close the slot there', () => {
    const m = open(cluster(), A, 'migrating', 100, B);
    expect(planFix(m, keys([A, 100, 10]))).toEqual([
      { slot: 100, problem: `owned by ${NA}, migrating on ${NA}`, action: `close the slot on ${NA}`, steps: [{ op: 'setslot-stable', node: A, slot: 100 }] },
    ]);
  });

  it('open with no owner: the open node with most keys claims it, the emptied migrating node is closed', () => {
    // An interrupted move whose keys all reached 7001 before anyone owned the slot.
    const m = open(open(cluster(WITHOUT_100), A, 'migrating', 100, B), B, 'importing', 100, A);
    const [p] = planFix(m, keys([B, 100, 8]));
    expect(p!.problem).toBe(`no owner, migrating on ${NA}`);
    expect(p!.action).toBe(`close the slot on ${NA}`);
    expect(p!.steps).toEqual([
      { op: 'claim', node: B, slot: 100 },
      { op: 'setslot-stable', node: A, slot: 100 },
    ]);
  });

  it('migrating on the owner, importing on two nodes without keys: finish to the migration target, close the other', () => {
    const m = open(open(open(cluster(), A, 'migrating', 100, C), B, 'importing', 100, A), C, 'importing', 100, A);
    const [p] = planFix(m, keys([A, 100, 5]));
    expect(p!.action).toBe(`finish the migration from ${NA} to ${NC}, close the slot elsewhere`);
    expect(p!.steps).toEqual([
      { op: 'move-keys', slot: 100, from: A, to: C },
      { op: 'setslot-node', node: C, slot: 100, owner: C },
      { op: 'setslot-stable', node: B, slot: 100 },
      ...announce(C, A, B),
    ]);
  });

  it('migrating to a node that is not importing, importing on two others: close the slot on every node', () => {
    const D = 'd'.repeat(40); // the target is not one of the importers
    const m = open(open(open(cluster(), A, 'migrating', 100, D), B, 'importing', 100, A), C, 'importing', 100, A);
    const [p] = planFix(m, NONE);
    expect(p!.action).toMatch(/^close the slot on every node/);
    expect(p!.steps).toEqual([A, B, C].map((node) => ({ op: 'setslot-stable', node, slot: 100 })));
  });
});

describe('planFix: several owners', () => {
  it('no keys: the lower id stays owner; the other drops the slot, follows the owner, and is closed', () => {
    const m = cluster({ b: [r(100), r(5461, 10922)] });
    const [p] = planFix(m, NONE);
    expect(p!.problem).toBe(`owned by ${NA}, ${NB}, importing (or holding keys) on ${NB}`);
    expect(p!.steps).toEqual([
      { op: 'delslot', node: B, slot: 100 },
      { op: 'setslot-node', node: B, slot: 100, owner: A },
      { op: 'setslot-importing', node: B, slot: 100, from: A },
      { op: 'setslot-stable', node: B, slot: 100 },
      ...announce(A, B, C),
      { op: 'setslot-stable', node: A, slot: 100 },
    ]);
  });

  it("with keys: the owner with most keys stays, the other owner's keys are moved to it", () => {
    const m = cluster({ b: [r(100), r(5461, 10922)] });
    const [p] = planFix(m, keys([A, 100, 1], [B, 100, 6]));
    expect(p!.steps.slice(0, 5)).toEqual([
      { op: 'delslot', node: A, slot: 100 },
      { op: 'setslot-node', node: A, slot: 100, owner: B },
      { op: 'setslot-importing', node: A, slot: 100, from: B },
      { op: 'move-keys', slot: 100, from: A, to: B },
      { op: 'setslot-stable', node: A, slot: 100 },
    ]);
  });
});

describe('planFix: unfixable', () => {
  const unfixable = (m: ClusterModel, k: SlotKeyCounts) => {
    const [p] = planFix(m, k);
    // No steps at all: a person decides.
    expect(p!.steps).toEqual([]);
    expect(p!.action).toBe('none');
    return p!.unfixable;
  };

  it('migrating on one node, importing with keys on several', () => {
    const m = open(open(open(cluster(), A, 'migrating', 100, B), B, 'importing', 100, A), C, 'importing', 100, A);
    expect(unfixable(m, keys([B, 100, 1], [C, 100, 1]))).toBe('migrating on one node and importing with keys on several: resolve by hand');
  });

  it('a non-owner migrating the slot while holding keys', () => {
    const m = open(cluster(), B, 'migrating', 100, C);
    expect(unfixable(m, keys([B, 100, 4]))).toBe(`${NB} is migrating the slot and holds keys, but does not own it: resolve by hand`);
  });

  it('no owner, and the migrating node still holds keys: nothing is claimed either', () => {
    // 7001 has most keys and would be chosen, but 7000's keys would be left in a slot it does not own.
    const m = open(open(cluster(WITHOUT_100), A, 'migrating', 100, B), B, 'importing', 100, A);
    expect(unfixable(m, keys([A, 100, 2], [B, 100, 8]))).toBe(`${NA} is migrating the slot and holds keys, but does not own it: resolve by hand`);
  });

  it('migrating on several nodes', () => {
    const m = open(open(open(cluster(), A, 'migrating', 100, C), B, 'migrating', 100, C), C, 'importing', 100, A);
    expect(unfixable(m, NONE)).toBe(`migrating on ${NA}, ${NB}, importing on ${NC}: resolve by hand`);
  });
});

describe('planFix: an owner that is itself importing', () => {
  // It once planned move-keys from the owner to itself (a MIGRATE to its own address);
  // redis-cli's fix skips the owner there (`if (n == owner) continue`). Now it just closes the slot.
  it('owner importing the slot with keys: no move of keys from the owner to itself; the slot is closed on the owner', () => {
    const m = open(cluster(), A, 'importing', 100, B);
    const [p] = planFix(m, keys([A, 100, 5]));
    expect(p!.steps.filter((s) => s.op === 'move-keys')).toEqual([]);
    expect(p!.steps.filter((s) => s.op === 'setslot-stable').map((s) => s.node)).toEqual([A]);
  });
});

describe('planFix: slot states on replicas (Valkey 8 replicates SETSLOT)', () => {
  const R = 'd'.repeat(40);
  const withReplica = (): ClusterModel =>
    fixtureModel([
      { id: A, port: 7000, slots: SPLIT.a },
      { id: B, port: 7001, slots: SPLIT.b },
      { id: C, port: 7002, slots: SPLIT.c },
      { id: R, port: 7003, masterId: A },
    ]);

  it('open on a replica only: its master closes it last with SETSLOT STABLE (a replica refuses SETSLOT)', () => {
    const m = open(withReplica(), R, 'migrating', 100, B);
    expect(slotsNeedingRepair(m, NONE)).toEqual([100]);
    const [p] = planFix(m, NONE);
    expect(p!.action).toBe(`close it on the replicas of ${NA} (SETSLOT STABLE on their master)`);
    expect(p!.steps.at(-1)).toEqual({ op: 'setslot-stable', node: A, slot: 100 });
    expect(p!.steps.some((s) => 'node' in s && s.node === R)).toBe(false);
  });

  it('open on a master and its replica mid-move: the migration is finished, then the master closes it on the replica', () => {
    const m = open(open(open(withReplica(), A, 'migrating', 100, B), R, 'migrating', 100, B), B, 'importing', 100, A);
    const [p] = planFix(m, keys([A, 100, 3]));
    expect(p!.action).toMatch(/^finish the migration from .*; close it on the replicas of/);
    expect(p!.steps[0]).toEqual({ op: 'move-keys', slot: 100, from: A, to: B });
    expect(p!.steps.at(-1)).toEqual({ op: 'setslot-stable', node: A, slot: 100 });
  });
});

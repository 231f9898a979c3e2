import { describe, expect, it } from 'vitest';
import { type PlanNode, planCreate } from '../../src/plan/create.js';

const node = (port: number, domain: string): PlanNode => ({ address: { host: '10.0.0.1', port }, domain });
const ports = (ns: PlanNode[]) => ns.map((n) => n.address.port);

describe('planCreate', () => {
  it('splits slots into contiguous ranges like redis-cli', () => {
    const layout = planCreate([node(1, 'a'), node(2, 'b'), node(3, 'c')], 0);
    expect(layout.shards.map((s) => s.slots)).toEqual([
      { start: 0, end: 5460 },
      { start: 5461, end: 10922 },
      { start: 10923, end: 16383 },
    ]);
    expect(layout.score).toBe(100);
    expect(layout.warnings).toEqual([]);
  });

  it('puts masters on distinct domains and replicas away from their master', () => {
    const nodes = [node(1, 'a'), node(2, 'a'), node(3, 'b'), node(4, 'b'), node(5, 'c'), node(6, 'c')];
    const layout = planCreate(nodes, 1);
    expect(new Set(layout.shards.map((s) => s.master.domain)).size).toBe(3);
    for (const s of layout.shards) {
      expect(s.replicas).toHaveLength(1);
      expect(s.replicas[0]!.domain).not.toBe(s.master.domain);
    }
    expect(layout.score).toBe(100);
    expect(layout.warnings).toEqual([]);
  });

  it('places two replicas per master in three different zones', () => {
    const nodes = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((p) => node(p, `z${p % 3}`));
    const layout = planCreate(nodes, 2);
    for (const s of layout.shards) {
      expect(new Set([s.master.domain, ...s.replicas.map((r) => r.domain)]).size).toBe(3);
    }
    expect(layout.score).toBe(100);
  });

  it('warns when uneven domains make anti-affinity impossible, and does the best it can', () => {
    // Domain a has 4 nodes, b and c one each: one replica must share its master's domain.
    const nodes = [node(1, 'a'), node(2, 'a'), node(3, 'a'), node(4, 'a'), node(5, 'b'), node(6, 'c')];
    const layout = planCreate(nodes, 1);
    expect(new Set(layout.shards.map((s) => s.master.domain))).toEqual(new Set(['a', 'b', 'c']));
    const collisions = layout.shards.filter((s) => s.replicas[0]!.domain === s.master.domain);
    expect(collisions).toHaveLength(1);
    expect(layout.score).toBeLessThan(100);
    expect(layout.warnings.join('\n')).toMatch(/same failure domain \(a\)/);
  });

  it('fixes a greedy dead end by swapping replicas', () => {
    // a:3 b:3 with one replica each: masters a,b,a; replicas must all avoid their master's domain.
    const nodes = [node(1, 'a'), node(2, 'a'), node(3, 'a'), node(4, 'b'), node(5, 'b'), node(6, 'b')];
    const layout = planCreate(nodes, 1);
    for (const s of layout.shards) expect(s.replicas[0]!.domain).not.toBe(s.master.domain);
    expect(layout.warnings.join('\n')).toMatch(/masters share a failure domain/);
  });

  it('warns when everything is in one domain', () => {
    const nodes = [1, 2, 3, 4, 5, 6].map((p) => node(p, 'host1'));
    const layout = planCreate(nodes, 1);
    expect(layout.warnings.join('\n')).toMatch(/one failure domain/);
  });

  it('gives extra nodes to the masters with the fewest replicas', () => {
    const nodes = [1, 2, 3, 4, 5, 6, 7].map((p) => node(p, `z${p}`));
    const layout = planCreate(nodes, 1);
    expect(layout.shards.map((s) => s.replicas.length).sort()).toEqual([1, 1, 2]);
  });

  it('ordinal placement reproduces the StatefulSet layout', () => {
    const nodes = [0, 1, 2, 3, 4, 5].map((p) => node(p, 'h'));
    const layout = planCreate(nodes, 1, 'ordinal');
    expect(layout.shards.map((s) => s.master.address.port)).toEqual([0, 1, 2]);
    expect(layout.shards.map((s) => ports(s.replicas))).toEqual([[3], [4], [5]]);
  });

  it('is deterministic', () => {
    const nodes = [node(1, 'a'), node(2, 'b'), node(3, 'a'), node(4, 'c'), node(5, 'b'), node(6, 'a')];
    expect(planCreate(nodes, 1)).toEqual(planCreate(nodes, 1));
  });

  it('refuses fewer than 3 masters, saying how many nodes are needed', () => {
    expect(() => planCreate([node(1, 'a'), node(2, 'b'), node(3, 'c'), node(4, 'd')], 1)).toThrow(/4 nodes with 1 replica\(s\) per master give 2 master\(s\).*at least 6 nodes/);
    expect(() => planCreate([node(1, 'a'), node(2, 'b')], 0)).toThrow(/at least 3 masters/);
  });
});

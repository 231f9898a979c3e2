import { describe, expect, it } from 'vitest';
import { localClusterHealth, observationOf } from '../../src/platform/local/health.js';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import type { Member } from '../../src/platform/platform.js';
import { parseClusterNodes } from '../../src/topology/cluster-nodes.js';
import type { ClusterModel, ObservedNode } from '../../src/topology/model.js';

// A healthy 3x1 cluster as CLUSTER NODES shows it (ports 7000-7005).
const TABLE = `
a0 127.0.0.1:7000@17000 master - 0 0 1 connected 0-5460
a1 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922
a2 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383
a3 127.0.0.1:7003@17003 slave a0 0 0 1 connected
a4 127.0.0.1:7004@17004 slave a1 0 0 2 connected
a5 127.0.0.1:7005@17005 slave a2 0 0 3 connected`;

function model(opts: { state?: string; linkDown?: number } = {}): ClusterModel {
  const lines = parseClusterNodes(TABLE);
  const nodes: ObservedNode[] = lines.map((l, i) => {
    const table = parseClusterNodes(
      TABLE.replace(`${l.id} `, `${l.id} `)
        .split('\n')
        .map((x) => (x.startsWith(`${l.id} `) ? x.replace(/ (master|slave) /, ' myself,$1 ') : x))
        .join('\n'),
    );
    const self = table.find((t) => t.id === l.id)!;
    return {
      address: { host: '127.0.0.1', port: 7000 + i },
      clusterEnabled: true,
      id: l.id,
      self,
      table,
      clusterInfo: new Map([
        ['cluster_state', opts.state ?? 'ok'],
        ['cluster_known_nodes', '6'],
      ]),
      replication: self.role === 'replica' ? { role: 'replica', masterLinkUp: opts.linkDown !== i, offset: 0, replicas: [] } : { role: 'master', offset: 0, replicas: [] },
      keys: 0,
    };
  });
  return { nodes, unreachable: [], observedAt: 0 };
}

const members = (down?: number): Member[] =>
  Array.from({ length: 6 }, (_, i) => ({
    name: `m-${i}`,
    ordinal: i,
    address: { host: '127.0.0.1', port: 7000 + i },
    domain: `d${i % 3}`,
    phase: down === i ? 'Pending' : 'Running',
    up: down !== i,
    restarts: 0,
  }));

const desired = (masters = 3): DesiredShape => ({ masters, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' });
const health = (m: ClusterModel, ms: Member[], masters = 3) => localClusterHealth(observationOf(ms, m), desired(masters));

describe('local cluster health (the findings of plan/health.ts, as lines)', () => {
  it('healthy when every member is up, every node ok, 3 masters each with a linked replica', () => {
    expect(health(model(), members())).toMatchObject({ healthy: true, problems: [] });
  });
  it('a member down', () => {
    const h = health(model(), members(4));
    expect(h.healthy).toBe(false);
    expect(h.problems).toContain('m-4 not answering');
  });
  it('cluster_state fail', () => {
    const h = health(model({ state: 'fail' }), members());
    expect(h.problems.some((p) => p.includes('cluster_state:fail'))).toBe(true);
  });
  it('a replica whose link is down', () => {
    const h = health(model({ linkDown: 3 }), members());
    expect(h.problems).toContain('m-0 has 0 in-sync replica(s), 1 wanted');
  });
  it('fewer masters than the spec asks', () => {
    expect(health(model(), members(), 4).problems[0]).toMatch(/^3 master\(s\) serve slots and 6 member\(s\) exist; the spec asks for 4 masters/);
  });
  it('an open slot (the engine check) and a member that does not know the others yet', () => {
    const m = model();
    m.nodes[0]!.self!.migrating.set(5, m.nodes[1]!.id);
    m.nodes[2]!.clusterInfo.set('cluster_known_nodes', '5');
    const h = health(m, members());
    expect(h.problems).toContain('m-2 do not know all 6 members yet');
    expect(h.problems.some((p) => /^m-0: slot 5 is migrating to/.test(p))).toBe(true);
  });
});

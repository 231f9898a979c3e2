import { describe, expect, it } from 'vitest';
import { localClusterHealth } from '../../src/platform/local/health.js';
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

describe('local cluster health', () => {
  it('healthy when every member is up, every node ok, 3 masters each with a linked replica', () => {
    expect(localClusterHealth(model(), members(), 3, 1)).toMatchObject({ healthy: true, problems: [] });
  });
  it('a member down', () => {
    const h = localClusterHealth(model(), members(4), 3, 1);
    expect(h.healthy).toBe(false);
    expect(h.problems).toContain('m-4 is pending');
  });
  it('cluster_state fail', () => {
    const h = localClusterHealth(model({ state: 'fail' }), members(), 3, 1);
    expect(h.problems.some((p) => p.includes('cluster_state:fail'))).toBe(true);
  });
  it('a replica whose link is down', () => {
    const h = localClusterHealth(model({ linkDown: 3 }), members(), 3, 1);
    expect(h.problems).toContain('master 127.0.0.1:7000 has 0 in-sync replicas, expected 1');
  });
  it('fewer masters than the spec asks', () => {
    expect(localClusterHealth(model(), members(), 4, 1).problems).toContain('3 masters serve slots, expected 4');
  });
});

import { describe, expect, it } from 'vitest';
import { type ExpectedShape, convergenceProblems } from '../../src/plan/convergence.js';
import type { ClusterModel, ObservedNode } from '../../src/topology/model.js';
import { fixtureModel } from '../support/model-fixture.js';

// A 2x1 cluster: two masters (7000, 7001), each with one replica (7002, 7003).
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const RA = 'c'.repeat(40);
const RB = 'd'.repeat(40);
const IDS = [A, B, RA, RB];

function cluster(down: string[] = []): ClusterModel {
  const m = fixtureModel(
    [
      { id: A, port: 7000, slots: [{ start: 0, end: 8191 }] },
      { id: B, port: 7001, slots: [{ start: 8192, end: 16383 }] },
      { id: RA, port: 7002, masterId: A },
      { id: RB, port: 7003, masterId: B },
    ],
    down,
  );
  // The fixture leaves masterLinkUp unset; a converged replica has its link up.
  for (const n of m.nodes) if (n.replication.role === 'replica') n.replication.masterLinkUp = true;
  return m;
}
const node = (m: ClusterModel, id: string): ObservedNode => m.nodes.find((n) => n.id === id)!;
const lineOf = (m: ClusterModel, viewer: string, id: string) => node(m, viewer).table.find((l) => l.id === id)!;

const expected = (over: Partial<ExpectedShape> = {}): ExpectedShape => ({
  ids: IDS,
  replicaOf: new Map([
    [RA, A],
    [RB, B],
  ]),
  replicasSynced: true,
  ...over,
});
const reasons = (m: ClusterModel, e = expected()) => convergenceProblems(m, e).map((p) => `${p.node}: ${p.reason}`);

describe('convergenceProblems', () => {
  it('finds nothing when every node knows every other, replicas follow their masters in sync, and views agree', () => {
    expect(convergenceProblems(cluster(), expected())).toEqual([]);
  });

  it('reports an unreachable node with the error', () => {
    expect(reasons(cluster([B]), expected({ ids: [A, RA, RB] }))).toEqual(['127.0.0.1:7001: unreachable: connection refused']);
  });

  it('reports a peer a node does not know, named by address when observed, else by short id', () => {
    const m = cluster();
    const n = node(m, A);
    n.table = n.table.filter((l) => l.id !== B);
    const E = 'e'.repeat(40); // expected but observed nowhere
    const out = convergenceProblems(m, expected({ ids: [...IDS, E] }));
    expect(out).toContainEqual({ node: '127.0.0.1:7000', peer: { id: B, host: '127.0.0.1', busPort: 17001 }, reason: 'does not know 127.0.0.1:7001' });
    expect(out).toContainEqual({ node: '127.0.0.1:7000', peer: undefined, reason: 'does not know eeeeeeee' });
  });

  it('says the handshake is not finished when the peer is listed under a random id at its port', () => {
    const m = cluster();
    const n = node(m, A);
    n.table = n.table.map((l) => (l.id === B ? { ...l, id: 'f'.repeat(40), flags: ['handshake'], linkState: 'disconnected', slots: [] } : l));
    // The random handshake id is not expected, so it is not reported as a peer of its own;
    // 7000 does not know 7001's slots yet, so the views differ too.
    expect(reasons(m)).toEqual(['127.0.0.1:7000: handshake with 127.0.0.1:7001 not finished', 'cluster: nodes do not agree yet on the slot configuration']);
    // A handshake at some other port says nothing about 7001.
    n.table.find((l) => l.flags.includes('handshake'))!.port = 7009;
    expect(reasons(m)[0]).toBe('127.0.0.1:7000: does not know 127.0.0.1:7001');
  });

  it('reports a peer seen with a bad flag (fail?, fail, noaddr, handshake), naming the flags', () => {
    const m = cluster();
    lineOf(m, A, B).flags = ['master', 'fail?'];
    lineOf(m, RA, B).flags = ['master', 'fail', 'noaddr'];
    lineOf(m, RB, A).flags = ['handshake'];
    expect(reasons(m)).toEqual([
      '127.0.0.1:7000: sees 127.0.0.1:7001 as fail?',
      '127.0.0.1:7002: sees 127.0.0.1:7001 as fail,noaddr',
      '127.0.0.1:7003: sees 127.0.0.1:7000 as handshake',
    ]);
  });

  it('reports a bus link down only when no bad flag explains it', () => {
    const m = cluster();
    lineOf(m, A, B).linkState = 'disconnected';
    const other = lineOf(m, B, A);
    other.linkState = 'disconnected';
    other.flags = ['master', 'fail?'];
    const out = convergenceProblems(m, expected());
    expect(out.map((p) => p.reason)).toEqual(['bus link to 127.0.0.1:7001 is down', 'sees 127.0.0.1:7000 as fail?']);
    // The peer's bus address is given, for diagnosing a blocked bus port.
    expect(out[0]!.peer).toEqual({ id: B, host: '127.0.0.1', busPort: 17001 });
  });

  it('reports a node that is not yet a replica of its expected master (still a master, or following another)', () => {
    const m = cluster();
    node(m, RA).self!.role = 'master';
    node(m, RB).self!.masterId = A;
    expect(reasons(m)).toEqual(['127.0.0.1:7002: not yet a replica of aaaaaaaa', '127.0.0.1:7003: not yet a replica of bbbbbbbb']);
  });

  it('with replicasSynced, reports the initial sync in progress or a link down', () => {
    const m = cluster();
    Object.assign(node(m, RA).replication, { masterLinkUp: false, syncInProgress: true });
    Object.assign(node(m, RB).replication, { masterLinkUp: false, syncInProgress: false });
    expect(reasons(m)).toEqual(['127.0.0.1:7002: initial sync in progress', '127.0.0.1:7003: replication link to its master is down']);
    // Without replicasSynced, the role alone is enough.
    expect(reasons(m, expected({ replicasSynced: false }))).toEqual([]);
  });

  it('reports cluster_state other than ok, and unknown when absent', () => {
    const m = cluster();
    node(m, A).clusterInfo.set('cluster_state', 'fail');
    node(m, B).clusterInfo.delete('cluster_state');
    expect(reasons(m)).toEqual(['127.0.0.1:7000: cluster_state is fail', '127.0.0.1:7001: cluster_state is unknown']);
  });

  it('reports once for the cluster when nodes do not agree on the slot configuration', () => {
    const m = cluster();
    // 7003 has not yet heard that 7001 took slot 8191.
    lineOf(m, RB, A).slots = [{ start: 0, end: 8190 }];
    lineOf(m, RB, B).slots = [{ start: 8191, end: 16383 }];
    expect(convergenceProblems(m, expected())).toEqual([{ node: 'cluster', reason: 'nodes do not agree yet on the slot configuration' }]);
  });

  it('ignores entries for ids outside the expected ones, even failed ones', () => {
    const m = cluster();
    // A node removed from the cluster that 7000 still lists as failed (no slots).
    const ghost = { ...lineOf(m, A, B), id: 'e'.repeat(40), port: 7009, flags: ['master', 'fail'], linkState: 'disconnected' as const, slots: [] };
    node(m, A).table.push(ghost);
    expect(convergenceProblems(m, expected())).toEqual([]);
    // Once it is expected, it counts.
    expect(reasons(m, expected({ ids: [...IDS, ghost.id] }))).toContain('127.0.0.1:7000: sees eeeeeeee as fail');
  });
});

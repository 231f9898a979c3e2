import { describe, expect, it } from 'vitest';
import { planAddNode } from '../../src/plan/add-node.js';
import { planDelNode } from '../../src/plan/del-node.js';
import { resolveMaster, resolveNode } from '../../src/plan/node-ref.js';
import { fixtureModel, freshNode } from '../support/model-fixture.js';

const id = (ch: string) => ch.repeat(40);
// a, b, c masters; d replicates a; e is an empty master; f replicates e.
const model = fixtureModel([
  { id: id('a'), port: 7000, slots: [{ start: 0, end: 5460 }] },
  { id: id('b'), port: 7001, slots: [{ start: 5461, end: 10922 }] },
  { id: id('c'), port: 7002, slots: [{ start: 10923, end: 16383 }] },
  { id: id('d'), port: 7003, masterId: id('a') },
  { id: id('e'), port: 7004 },
  { id: id('f'), port: 7005, masterId: id('e') },
]);

describe('resolveNode', () => {
  it('finds nodes by id, id prefix or address, and says why not', () => {
    expect(resolveNode(model, 'bbbb').id).toBe(id('b'));
    expect(resolveNode(model, '127.0.0.1:7002').id).toBe(id('c'));
    expect(resolveNode(model, 'localhost:7002').id).toBe(id('c'));
    expect(() => resolveNode(model, '9999aaaa')).toThrow(/no node of the cluster has this id/);
    expect(() => resolveNode(model, '127.0.0.1:7999')).toThrow(/no reachable node of the cluster listens at 127\.0\.0\.1:7999/);
    expect(() => resolveNode(model, 'what?')).toThrow(/expected a node id/);
    expect(() => resolveMaster(model, '127.0.0.1:7003', '--to')).toThrow(/--to "127\.0\.0\.1:7003" \(127\.0\.0\.1:7003\) is not a master: it replicates 127\.0\.0\.1:7000/);
  });
});

describe('planAddNode', () => {
  it('adds as master, or as replica of the master with the fewest replicas', () => {
    expect(planAddNode(model, freshNode(id('1'), 7100), { asReplica: false })).toMatchObject({ role: 'master' });
    // b and c have none; b comes first (same slots count... c has 5461 vs b 5462: most slots first).
    expect(planAddNode(model, freshNode(id('1'), 7100), { asReplica: true })).toMatchObject({ role: 'replica', masterId: id('b') });
    expect(planAddNode(model, freshNode(id('1'), 7100), { asReplica: true, masterId: id('c') })).toMatchObject({ masterId: id('c'), reason: 'as asked' });
  });

  it('refuses a node that is not empty, already a member, or a master that is not one', () => {
    expect(() => planAddNode(model, freshNode(id('1'), 7100, 3), { asReplica: false })).toThrow(/not empty: holds 3 key\(s\); nothing was changed/);
    expect(() => planAddNode(model, model.nodes[1]!, { asReplica: false })).toThrow(/already a member of this cluster/);
    expect(() => planAddNode(model, freshNode(id('1'), 7100), { asReplica: true, masterId: id('d') })).toThrow(/is not a master/);
    expect(() => planAddNode(model, freshNode(id('1'), 7100), { asReplica: false, masterId: id('a') })).toThrow(/add --replica/);
  });
});

describe('planDelNode', () => {
  it('removes an empty master after re-pointing its replica to the least replicated master', () => {
    const plan = planDelNode(model, { nodeId: id('e') });
    expect(plan).toMatchObject({ role: 'master', reachable: true });
    expect(plan.repoint).toEqual([{ replicaId: id('f'), replica: '127.0.0.1:7005', masterId: id('b'), master: '127.0.0.1:7001' }]);
    expect(plan.forgetOn).toHaveLength(5);
    expect(planDelNode(model, { nodeId: id('e'), replicasTo: id('c') }).repoint[0]!.masterId).toBe(id('c'));
  });

  it('refuses masters with slots or keys, unknown ids', () => {
    expect(() => planDelNode(model, { nodeId: id('a') })).toThrow(/owns 5461 slot\(s\): move them away first .*nothing was changed/);
    expect(() => planDelNode(model, { nodeId: id('9') })).toThrow(/no node of the cluster knows this id/);
    const withKeys = fixtureModel([
      { id: id('a'), port: 7000, slots: [{ start: 0, end: 16383 }] },
      { id: id('e'), port: 7004, keys: 2 },
    ]);
    expect(() => planDelNode(withKeys, { nodeId: id('e') })).toThrow(/owns no slots but holds 2 key\(s\)/);
  });

  it('removes a replica, and a node that is down when its peers say it owns nothing', () => {
    expect(planDelNode(model, { nodeId: id('d') })).toMatchObject({ role: 'replica', repoint: [] });
    const down = fixtureModel(
      [
        { id: id('a'), port: 7000, slots: [{ start: 0, end: 16383 }] },
        { id: id('e'), port: 7004 },
      ],
      [id('e')],
    );
    expect(planDelNode(down, { nodeId: id('e') })).toMatchObject({ reachable: false, role: 'master', forgetOn: [id('a')] });
  });
});

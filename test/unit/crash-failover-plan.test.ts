/** planHeal's crash rule: a master the platform saw terminate is failed over at once, and only then. */
import { describe, expect, it } from 'vitest';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import { planHeal } from '../../src/plan/heal/index.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };

function crashed(change: (m: FakeMember[]) => void = () => {}): FakeMember[] {
  const members = seedMembers();
  members[0] = { ...members[0]!, up: false, exitedAgoMs: 300 };
  members[3] = { ...members[3]!, linkDownSince: 0, keys: 100 };
  change(members);
  return members;
}

describe('planHeal after a container terminated', () => {
  it('fails a crashed master over to its in-sync replica at once, with FORCE', () => {
    const plan = planHeal(observation(crashed()), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'crash-failover', member: 'r-3', masterId: 'a'.repeat(40), mode: 'force' })]);
  });

  it('also when the master is already restarted (from its AOF) but its replica has not reconnected', () => {
    const plan = planHeal(observation(crashed((m) => (m[0] = { ...m[0]!, up: true }))), desired);
    expect(plan.actions.map((a) => a.kind)).toEqual(['crash-failover']);
  });

  it("not once the replica is linked again (the master is back), nor for an old exit, nor a replica's exit, nor a replica that lost its link before the crash", () => {
    const kinds = (m: FakeMember[]) =>
      planHeal(observation(m), desired)
        .actions.map((a) => a.kind)
        .filter((k) => k === 'crash-failover');
    expect(kinds(crashed((m) => ((m[0] = { ...m[0]!, up: true }), (m[3] = { ...m[3]!, linkDownSince: undefined }))))).toEqual([]);
    expect(kinds(crashed((m) => (m[0] = { ...m[0]!, exitedAgoMs: 60_000 })))).toEqual([]);
    expect(kinds(seedMembers().map((x, i) => (i === 4 ? { ...x, up: false, exitedAgoMs: 300 } : x)))).toEqual([]);
    expect(kinds(crashed((m) => (m[3] = { ...m[3]!, linkDownSince: 30 })))).toEqual([]);
  });

  it('persistence on and only a stale replica: holds its failover off while the master restarts from its AOF, once, and the stuck-shard rule waits', () => {
    const stale = crashed((m) => (m[3] = { ...m[3]!, linkDownSince: 30 }));
    const plan = planHeal(observation(stale), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'hold-failover', member: 'r-0', replicas: ['r-3'] })]);
    // Held: nothing more to do; past the stuck-shard deadline it still waits for the master.
    const held = stale.map((x) => (x.name === 'r-3' ? { ...x, noFailover: true } : x));
    const later = planHeal(observation(held), desired);
    expect(later.actions).toEqual([]);
    expect(later.waiting.join()).toMatch(/failover is held off/);
    // Persistence off: the restarted master has nothing, the stale replica is the copy (promoted, reported).
    expect(planHeal(observation(stale), { ...desired, persistence: false }).actions.map((a) => a.kind)).not.toContain('hold-failover');
    // The master is back: no hold.
    expect(planHeal(observation(stale.map((x) => (x.name === 'r-0' ? { ...x, up: true } : x))), desired).actions.map((a) => a.kind)).not.toContain('hold-failover');
  });

  it('leaves a master that restarted closed (without its data) to admission', () => {
    const plan = planHeal(observation(crashed((m) => (m[0] = { ...m[0]!, up: true, closed: true, keys: 0 }))), desired);
    expect(plan.actions.map((a) => a.kind)).toEqual(['promote-copy']);
  });
});

import { describe, expect, it } from 'vitest';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import { PLACEMENT_SETTLE_MS, SLOT_REPAIR_GRACE_MS, planHeal } from '../../src/plan/heal/index.js';
import { NOW, observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };
const A = 'a'.repeat(40);
const kinds = (p: ReturnType<typeof planHeal>) => p.actions.map((a) => a.kind);

describe('planHeal', () => {
  it('does nothing on a healthy cluster', () => {
    const plan = planHeal(observation(seedMembers()), desired);
    expect(plan.actions).toEqual([]);
    expect(plan.waiting).toEqual([]);
  });

  it('creates the cluster only when every member is up and empty', () => {
    const fresh = seedMembers().map((m) => ({ ...m, fresh: true, role: undefined, master: undefined, slots: undefined }));
    expect(kinds(planHeal(observation(fresh), desired))).toEqual(['create']);
    const oneDown = fresh.map((m, i) => (i === 2 ? { ...m, up: false } : m));
    expect(kinds(planHeal(observation(oneDown), desired))).toEqual([]);
  });

  it('never creates over a node that holds data', () => {
    const members = seedMembers().map((m) => ({ ...m, fresh: true, role: undefined, master: undefined, slots: undefined }));
    members[1] = { ...members[1]!, keys: 10 };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([]);
    expect(plan.waiting.join()).toMatch(/hold data/);
  });

  it('re-introduces nodes that all came back on new addresses', () => {
    const stale = new Map(seedMembers().map((m) => [m.id, m.port + 100]));
    const plan = planHeal(observation(seedMembers(), { staleAddress: stale }), desired);
    expect(kinds(plan).every((k) => k === 'meet')).toBe(true);
    expect(plan.actions).toHaveLength(30);
    expect(plan.actions[0]).toMatchObject({ kind: 'meet', member: 'r-0', peer: 'r-1', to: { port: 7001 } });
  });

  it('promotes the best replica of a master gone past the deadline, with FORCE', () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, up: false };
    members.push({ name: 'r-6', id: '9'.repeat(40), port: 7006, domain: 'n2', role: 'replica', master: A, offset: 500, linkDownSince: 20 });
    members[3] = { ...members[3]!, offset: 900, linkDownSince: 20 };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'promote', member: 'r-3', masterId: A, mode: 'force' })]);
  });

  it("waits for Redis's own failover inside the deadline", () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, up: false };
    members[3] = { ...members[3]!, linkDownSince: 3 };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([]);
    expect(plan.waiting.join()).toMatch(/giving Redis's own failover/);
  });

  it('never promotes over a crash hold while the platform restarts the master: its AOF holds writes the replica lacks', () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, up: false, failoverHeld: true };
    members[3] = { ...members[3]!, offset: 900, linkDownSince: 20, noFailover: true };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([]);
    expect(plan.waiting.join()).toMatch(/failover is held off because its AOF holds writes they lack/);
    // Failover off without a hold the platform knows of (set by hand, or a supervisor that died): the usual deadline.
    members[0] = { ...members[0]!, failoverHeld: false };
    expect(planHeal(observation(members), desired).actions).toEqual([expect.objectContaining({ kind: 'promote', member: 'r-3' })]);
  });

  it('ends a crash hold a dead supervisor left once the replica follows its master in sync', () => {
    const members = seedMembers();
    members[3] = { ...members[3]!, noFailover: true };
    expect(planHeal(observation(members), desired).actions).toEqual([expect.objectContaining({ kind: 'restore-settings', member: 'r-3' })]);
    // Not while its link is down: the hold may still be protecting the master's AOF.
    members[3] = { ...members[3]!, linkDownSince: 2 };
    members[0] = { ...members[0]!, up: false };
    expect(planHeal(observation(members), desired).actions.filter((a) => a.kind === 'restore-settings')).toEqual([]);
  });

  it('never promotes a replica while its master answers', () => {
    const members = seedMembers();
    members[3] = { ...members[3]!, linkDownSince: 600 };
    expect(planHeal(observation(members), desired).actions).toEqual([]);
  });

  it('uses TAKEOVER when too few masters are left to vote', () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, up: false };
    members[1] = { ...members[1]!, up: false };
    members[3] = { ...members[3]!, linkDownSince: 60 };
    members[4] = { ...members[4]!, linkDownSince: 60 };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions.map((a) => (a.kind === 'promote' ? a.mode : a.kind))).toEqual(['takeover', 'takeover']);
  });

  it('lost volume: forgets the old id everywhere, then joins the empty node as a replica', () => {
    // r-3 lost its volume: it runs an empty node with a new id; the old id 'd..' is a failed replica everyone still knows.
    const members = seedMembers();
    members[3] = { name: 'r-3', id: '7'.repeat(40), port: 7003, domain: 'n1', fresh: true };
    const ghost = { id: 'd'.repeat(40), port: 7003, role: 'replica' as const, master: A };
    const first = planHeal(observation(members, { ghosts: [ghost] }), desired);
    expect(first.actions).toEqual([expect.objectContaining({ kind: 'forget', nodeId: 'd'.repeat(40) })]);
    const second = planHeal(observation(members), desired);
    expect(second.actions).toEqual([expect.objectContaining({ kind: 'join-replica', member: 'r-3', masterId: A })]);
  });

  it('never forgets a node id that still owns slots', () => {
    const members = seedMembers().filter((m) => m.name !== 'r-0' && m.name !== 'r-3');
    const plan = planHeal(observation(members, { ghosts: [{ id: A, port: 7000, slots: [[0, 5460]] }] }), desired);
    expect(plan.actions.some((a) => a.kind === 'forget')).toBe(false);
    expect(plan.waiting.join()).toMatch(/no replica|owns slots/);
  });

  it('does not forget while a member is down (its node may come back)', () => {
    const members = seedMembers();
    members[5] = { ...members[5]!, up: false };
    const plan = planHeal(observation(members, { ghosts: [{ id: '8'.repeat(40), port: 7010, role: 'replica', master: A }] }), desired);
    expect(plan.actions).toEqual([]);
  });

  it('attaches a spare master to the master that lacks a replica, in another domain', () => {
    const members = seedMembers();
    members[3] = { ...members[3]!, role: 'master', master: undefined };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'replicate', member: 'r-3', masterId: A })]);
  });

  it('fixes open slots only once they persist past the grace period', () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, migrating: [[100, 'b'.repeat(40)]] };
    const first = planHeal(observation(members), desired);
    expect(first.actions).toEqual([]);
    expect(first.memory.slotTroubleSince).toEqual({ 'open:100': NOW });
    const later = planHeal(observation(members), desired, { slotTroubleSince: { 'open:100': NOW - SLOT_REPAIR_GRACE_MS } });
    expect(kinds(later)).toEqual(['fix-slots']);
    // A reshard keeps some slot open all the time, but never the same one for long: no fix.
    const moving = planHeal(observation(members), desired, { slotTroubleSince: { 'open:99': NOW - SLOT_REPAIR_GRACE_MS } });
    expect(moving.actions).toEqual([]);
    expect(moving.memory.slotTroubleSince).toEqual({ 'open:100': NOW });
  });

  it('moves a master role out of a shared failure domain with a planned failover', () => {
    const members = seedMembers();
    // r-1 now lives in n0 with r-0; its replica r-4 is in n2... give r-4 a free domain n3.
    members[1] = { ...members[1]!, domain: 'n0' };
    members[4] = { ...members[4]!, domain: 'n3' };
    // Not right after the failover that caused it: only once things have been calm.
    const first = planHeal(observation(members), desired);
    expect(first.actions).toEqual([]);
    expect(first.waiting.join()).toMatch(/calm/);
    const plan = planHeal(observation(members), desired, { calmSince: NOW - PLACEMENT_SETTLE_MS });
    // Either replica of a master in n0 may take over, as long as it is in a domain without a master.
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ kind: 'planned-failover' });
    expect(['r-3', 'r-4']).toContain((plan.actions[0] as { member: string }).member);
  });

  it("swaps replicas so none shares its master's domain", () => {
    const members = seedMembers();
    members[3] = { ...members[3]!, domain: 'n0' }; // replica of r-0, in r-0's domain
    const plan = planHeal(observation(members), desired, { calmSince: NOW - PLACEMENT_SETTLE_MS });
    expect(kinds(plan)).toEqual(['replicate', 'replicate']);
    expect(plan.actions[0]).toMatchObject({ member: 'r-3' });
  });

  it('restores the settings an interrupted create left behind', () => {
    const obs = observation(seedMembers());
    obs.members[4]!.node!.nodeTimeoutMs = 500;
    expect(planHeal(obs, desired).actions).toEqual([expect.objectContaining({ kind: 'restore-settings', member: 'r-4' })]);
    // Not when the spec itself asks for 500 ms.
    expect(planHeal(obs, { ...desired, nodeTimeoutMs: 500 }).actions).toEqual([]);
  });
});

/**
 * Admission of members that restarted without their data: who starts closed (pure), and
 * what the controller does with a closed member (planHeal), case by case.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import { conditionsFor } from '../../src/controller/conditions.js';
import { closedUserLine, mustStartClosed } from '../../src/spec/admission.js';
import { planHeal } from '../../src/plan/heal/index.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };
const MASTER_CONF = 'aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\nbbbb 127.0.0.1:7003@17003 slave aaaa 0 1 1 connected\nvars currentEpoch 6 lastVoteEpoch 0\n';
const REPLICA_CONF =
  'aaaa 127.0.0.1:7000@17000 master - 0 0 1 connected 0-5460\nbbbb 127.0.0.1:7003@17003 myself,slave aaaa 0 1 1 connected\nvars currentEpoch 6 lastVoteEpoch 0\n';
const EMPTY_MASTER_CONF = 'aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected\nvars currentEpoch 6 lastVoteEpoch 0\n';

describe('mustStartClosed', () => {
  it('closes a master with slots whose data no AOF brings back, and nothing else', () => {
    expect(mustStartClosed({ nodesConf: MASTER_CONF, appendonly: false, aofPresent: false })).toBe(true);
    expect(mustStartClosed({ nodesConf: MASTER_CONF, appendonly: true, aofPresent: false })).toBe(true);
    expect(mustStartClosed({ nodesConf: MASTER_CONF, appendonly: true, aofPresent: true })).toBe(false);
    expect(mustStartClosed({ nodesConf: REPLICA_CONF, appendonly: false, aofPresent: false })).toBe(false);
    expect(mustStartClosed({ nodesConf: EMPTY_MASTER_CONF, appendonly: false, aofPresent: false })).toBe(false);
    expect(mustStartClosed({ nodesConf: undefined, appendonly: false, aofPresent: false })).toBe(false);
  });

  it('does not close a master whose last stop was graceful and found no keys', () => {
    expect(mustStartClosed({ nodesConf: MASTER_CONF, appendonly: false, aofPresent: false, stoppedEmpty: true })).toBe(false);
    expect(mustStartClosed({ nodesConf: MASTER_CONF, appendonly: false, aofPresent: false, stoppedEmpty: false })).toBe(true);
  });

  it('renders the closed user with the password, or nopass', () => {
    expect(closedUserLine('pw', (s) => s)).toBe('user default on >pw ~* &* +@all -@read -@write -psync -sync -replconf');
    expect(closedUserLine(undefined, (s) => s)).toMatch(/^user default on nopass /);
  });
});

function withClosedMaster(change: (m: FakeMember[]) => void = () => {}): FakeMember[] {
  const members = seedMembers();
  members[0] = { ...members[0]!, closed: true, keys: 0 };
  members[3] = { ...members[3]!, keys: 5000, offset: 900, linkDownSince: 2 };
  change(members);
  return members;
}

describe('planHeal with a closed member', () => {
  it('promotes the replica holding the copy over a closed master, first of all', () => {
    const plan = planHeal(observation(withClosedMaster()), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'promote-copy', member: 'r-3', emptyMember: 'r-0', masterId: 'a'.repeat(40) })]);
  });

  it('admits a closed node once it replicates the copy with its link up', () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, closed: true, role: 'replica', master: 'd'.repeat(40), slots: undefined };
    members[3] = { ...members[3]!, role: 'master', master: undefined, slots: [[0, 5460]], keys: 5000 };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'admit', member: 'r-0' })]);
    expect(plan.actions[0]).not.toHaveProperty('dataLoss');
  });

  it('keeps a closed replica closed while its sync runs', () => {
    const members = seedMembers();
    members[0] = { ...members[0]!, closed: true, role: 'replica', master: 'd'.repeat(40), slots: undefined, linkDownSince: 1 };
    members[3] = { ...members[3]!, role: 'master', master: undefined, slots: [[0, 5460]], keys: 5000 };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions).toEqual([]);
    expect(plan.waiting.join()).toMatch(/r-0 .*closed until its sync/);
  });

  it('waits for a replica that does not answer: it may hold the copy', () => {
    const plan = planHeal(observation(withClosedMaster((m) => (m[3] = { ...m[3]!, up: false }))), desired);
    expect(plan.actions.filter((a) => a.kind === 'admit' || a.kind === 'promote-copy')).toEqual([]);
    expect(plan.waiting.join()).toMatch(/may hold the copy/);
  });

  it('admits a closed master with no copy anywhere, and reports the loss', () => {
    const plan = planHeal(observation(withClosedMaster((m) => (m[3] = { ...m[3]!, keys: 0 }))), desired);
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'admit', member: 'r-0', dataLoss: expect.stringMatching(/no replica holds a copy/) })]);
  });

  it('is not Ready while a member is closed', () => {
    const obs = observation(withClosedMaster());
    const ready = conditionsFor(obs, desired, { actions: [], waiting: [], memory: {} }).find((c) => c.type === 'Ready')!;
    expect(ready.status).toBe('False');
    expect(ready.reason).toBe('NotAdmitted');
  });
});

describe('planHeal right after the copy took over', () => {
  it('waits for the closed master to turn replica, never admitting it as a loss', () => {
    const members = withClosedMaster();
    members[3] = { ...members[3]!, role: 'master', master: undefined, slots: [[0, 5460]] };
    const plan = planHeal(observation(members), desired);
    expect(plan.actions.filter((a) => a.kind === 'admit' || a.kind === 'promote-copy')).toEqual([]);
    expect(plan.waiting.join()).toMatch(/r-3 took its slots over/);
  });
});

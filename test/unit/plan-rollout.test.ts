/**
 * The rollout rule (plan/heal/rollout.ts) through planHeal, and how a pod is found outdated
 * (platform/kubernetes/member-source.ts `outdated`). A full upgrade is walked pass by pass:
 * every master hands its role over before it restarts, and no shard ever has two members
 * restarting at once.
 */
import type { V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { planHeal } from '../../src/plan/heal/index.js';
import { outdated } from '../../src/platform/kubernetes/member-source.js';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import type { Observation } from '../../src/topology/observation.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };
const WHY = 'it runs image redis:7.0, the spec says redis:7.2.6';

function withOutdated(members: FakeMember[], names: Set<string>): Observation {
  const obs = observation(members);
  for (const m of obs.members) if (names.has(m.name)) m.outdated = WHY;
  return obs;
}

describe('rollout', () => {
  it('restarts replicas first, one per pass', () => {
    const plan = planHeal(withOutdated(seedMembers(), new Set(['r-0', 'r-1', 'r-2', 'r-3', 'r-4', 'r-5'])), desired);
    expect(plan.actions).toEqual([{ kind: 'restart-member', member: 'r-3', reason: `replica first: ${WHY}` }]);
  });

  it('hands a master role to its up-to-date, in-sync replica before the master restarts', () => {
    const plan = planHeal(withOutdated(seedMembers(), new Set(['r-0'])), desired);
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ kind: 'planned-failover', member: 'r-3' });
  });

  it('waits while any member is down, syncing, or not at cluster_state:ok', () => {
    const all = new Set(seedMembers().map((m) => m.name));
    const down = seedMembers().map((m) => (m.name === 'r-4' ? { ...m, up: false } : m));
    expect(planHeal(withOutdated(down, all), desired).actions.filter((a) => a.kind === 'restart-member' || a.kind === 'planned-failover')).toEqual([]);

    const linkDown = seedMembers().map((m) => (m.name === 'r-5' ? { ...m, linkDownSince: 3 } : m));
    const p2 = planHeal(withOutdated(linkDown, all), desired);
    expect(p2.actions).toEqual([]);
    expect(p2.waiting.join()).toMatch(/r-5 not in sync/);

    const failing = withOutdated(seedMembers(), all);
    failing.members[1]!.node!.clusterInfo.set('cluster_state', 'fail');
    const p3 = planHeal(failing, desired);
    expect(p3.actions).toEqual([]);
    expect(p3.waiting.join()).toMatch(/r-1 not at cluster_state:ok/);
  });

  it('restarts a master with no replica at all (nothing to hand over to)', () => {
    const noReplicas = seedMembers().slice(0, 3);
    const plan = planHeal(withOutdated(noReplicas, new Set(['r-1'])), { ...desired, replicasPerMaster: 0 });
    expect(plan.actions).toEqual([{ kind: 'restart-member', member: 'r-1', reason: `${WHY}; it has no replica to hand its slots to` }]);
  });

  it('never restarts a lone master whose data would not come back (persistence off): it waits and says why', () => {
    const noReplicas = seedMembers().slice(0, 3);
    const plan = planHeal(withOutdated(noReplicas, new Set(['r-1'])), { ...desired, replicasPerMaster: 0, persistence: false });
    expect(plan.actions).toEqual([]);
    expect(plan.waiting.join()).toMatch(/r-1 must restart .* persistence is off: restarting it would lose its data/);
  });

  it('walks a whole upgrade: 6 restarts, 3 handovers, never a master restarted, never two members of a shard down together', () => {
    // Simulated passes: a restarted member comes back up to date (and in sync) on the next pass.
    let members = seedMembers();
    const todo = new Set(members.map((m) => m.name));
    const restarted: string[] = [];
    let handovers = 0;
    for (let pass = 0; pass < 20 && todo.size > 0; pass++) {
      const plan = planHeal(withOutdated(members, todo), desired);
      expect(plan.actions).toHaveLength(1);
      const a = plan.actions[0]!;
      if (a.kind === 'restart-member') {
        const m = members.find((x) => x.name === a.member)!;
        expect(m.role).toBe('replica');
        restarted.push(a.member);
        todo.delete(a.member);
      } else if (a.kind === 'planned-failover') {
        const replica = members.find((x) => x.name === a.member)!;
        expect(todo.has(replica.name)).toBe(false);
        const master = members.find((x) => x.id === replica.master)!;
        members = members.map((x) =>
          x === replica ? { ...x, role: 'master', master: undefined, slots: master.slots } : x === master ? { ...x, role: 'replica', master: replica.id, slots: undefined } : x,
        );
        handovers++;
      } else throw new Error(`unexpected ${a.kind}`);
    }
    expect(todo.size).toBe(0);
    expect(restarted).toHaveLength(6);
    expect(handovers).toBe(3);
    expect(restarted.slice(0, 3).sort()).toEqual(['r-3', 'r-4', 'r-5']);
    expect(planHeal(observation(members), desired).actions.filter((a) => a.kind === 'restart-member')).toEqual([]);
  });
});

describe('outdated (a pod against its StatefulSet template)', () => {
  const template = (image: string, hash?: string): V1PodTemplateSpec => ({
    metadata: { annotations: hash ? { 'rck.dev/restart-hash': hash } : {} },
    spec: { containers: [{ name: 'redis', image }] },
  });
  const pod = (image: string, hash?: string): V1Pod => ({
    metadata: { annotations: hash ? { 'rck.dev/restart-hash': hash } : {} },
    spec: { containers: [{ name: 'redis', image }] },
  });

  it('names another image, or another restart hash', () => {
    expect(outdated(pod('redis:7.0', 'h1'), template('redis:7.2.6', 'h1'))).toBe(WHY);
    expect(outdated(pod('redis:7.0', 'h1'), template('redis:7.0', 'h2'))).toMatch(/redis\.conf, resources or announced address changed/);
    expect(outdated(pod('redis:7.0', 'h1'), template('redis:7.0', 'h1'))).toBeUndefined();
  });

  it('adopts a pod an older rck made (no restart hash) unless its image differs', () => {
    expect(outdated(pod('redis:7.0'), template('redis:7.0', 'h2'))).toBeUndefined();
    expect(outdated(pod('redis:7.0'), template('redis:7.2.6', 'h2'))).toBe(WHY);
  });
});

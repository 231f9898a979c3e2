import { describe, expect, it } from 'vitest';
import { type Condition, SCALING, conditionsFor } from '../../src/controller/conditions.js';
import { type HealPlan, planHeal } from '../../src/plan/heal/index.js';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import type { Observation } from '../../src/topology/observation.js';
import { type FakeMember, NOW, observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };
const NOW_ISO = new Date(NOW).toISOString();
const EARLIER = '2020-01-01T00:00:00.000Z';

/** The conditions for an observation, with the plan planHeal makes for it (as the controller does). */
function conditions(obs: Observation, previous: Condition[] = [], shape = desired, plan: HealPlan = planHeal(obs, shape)): Record<Condition['type'], Condition> {
  const list = conditionsFor(obs, shape, plan, previous);
  // Always these three, in this order.
  expect(list.map((c) => c.type)).toEqual(['Ready', 'Degraded', 'Healing']);
  return Object.fromEntries(list.map((c) => [c.type, c])) as Record<Condition['type'], Condition>;
}
const edit = (f: (m: FakeMember[]) => void) => {
  const m = seedMembers();
  f(m);
  return observation(m);
};

describe('conditionsFor', () => {
  it('healthy cluster: Ready True, Degraded False, Healing False, all stamped with the observation time', () => {
    const c = conditions(observation(seedMembers()));
    expect(c.Ready).toMatchObject({ status: 'True', reason: 'ClusterHealthy' });
    expect(c.Degraded).toMatchObject({ status: 'False', reason: 'AsSpecified' });
    expect(c.Healing).toMatchObject({ status: 'False', reason: 'Idle', message: 'nothing to heal' });
    expect([c.Ready.lastTransitionTime, c.Degraded.lastTransitionTime, c.Healing.lastTransitionTime]).toEqual([NOW_ISO, NOW_ISO, NOW_ISO]);
  });

  it('a master down inside the failover deadline: not Ready, Degraded with every problem, Healing while waiting', () => {
    const obs = edit((m) => {
      m[0] = { ...m[0]!, up: false };
      m[3] = { ...m[3]!, linkDownSince: 3 };
    });
    const c = conditions(obs);
    // The worst problem first: a member down, then its slots.
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'MembersDown', message: 'r-0 not answering' });
    expect(c.Degraded).toMatchObject({ status: 'True', reason: 'MembersDown', message: 'r-0 not answering; 5461 slot(s) not served (master aaaaaaaa gone)' });
    expect(c.Healing.status).toBe('True');
    expect(c.Healing.reason).toBe('Waiting');
    expect(c.Healing.message).toMatch(/giving Redis's own failover/);
  });

  it('a master gone past the deadline: Healing is Acting and names the action kinds', () => {
    const obs = edit((m) => {
      m[0] = { ...m[0]!, up: false };
      m[3] = { ...m[3]!, linkDownSince: 60 };
    });
    const c = conditions(obs);
    expect(c.Healing).toMatchObject({ status: 'True', reason: 'Acting', message: '1 action(s): promote' });
    expect(c.Ready.status).toBe('False');
  });

  it('no problem found but the plan acts: Ready False with reason Healing, not Degraded', () => {
    // Every node came back on a new address: conditions see nothing wrong, the planner re-meets them.
    const stale = new Map(seedMembers().map((m) => [m.id, m.port + 100]));
    const obs = observation(seedMembers(), { staleAddress: stale });
    const c = conditions(obs);
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'Healing', message: 'the controller is acting' });
    expect(c.Degraded).toMatchObject({ status: 'False', reason: 'AsSpecified' });
    expect(c.Healing.reason).toBe('Acting');
    expect(c.Healing.message).toMatch(/^30 action\(s\): meet, meet/);
  });

  it('only waiting, no problem: still Ready, Healing True with the waiting reasons', () => {
    const plan: HealPlan = { actions: [], waiting: ['roles could be better placed', 'something else'], memory: {} };
    const c = conditions(observation(seedMembers()), [], desired, plan);
    expect(c.Ready.status).toBe('True');
    expect(c.Healing).toMatchObject({ status: 'True', reason: 'Waiting', message: 'roles could be better placed; something else' });
  });

  it('a replica with its link down: Degraded by MissingReplicas, naming its master', () => {
    const c = conditions(edit((m) => (m[3] = { ...m[3]!, linkDownSince: 5 })));
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'MissingReplicas' });
    expect(c.Degraded).toMatchObject({ status: 'True', reason: 'MissingReplicas', message: 'r-0 has 0 in-sync replica(s), 1 wanted' });
  });

  it('a node reporting cluster_state:fail while every slot is served: ClusterStateFail', () => {
    const obs = observation(seedMembers());
    obs.members[1]!.node!.clusterInfo.set('cluster_state', 'fail');
    const c = conditions(obs);
    expect(c.Degraded).toMatchObject({ status: 'True', reason: 'ClusterStateFail', message: 'r-1 report cluster_state:fail' });
  });

  it('not created yet: Ready False and Degraded True with NotCreated, Healing acting to create', () => {
    const fresh = seedMembers().map((m) => ({ ...m, fresh: true, role: undefined, master: undefined, slots: undefined }));
    const c = conditions(observation(fresh));
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'NotCreated' });
    expect(c.Degraded).toMatchObject({ status: 'True', reason: 'NotCreated' });
    expect(c.Healing).toMatchObject({ status: 'True', message: '1 action(s): create' });
  });

  it('scaling to a new shape: Ready False with reason Scaling, but not Degraded (it is what was asked)', () => {
    const bigger: DesiredShape = { ...desired, masters: 4 };
    const c = conditions(observation(seedMembers()), [], bigger);
    expect(c.Ready.reason).toBe(SCALING);
    expect(c.Ready.status).toBe('False');
    expect(c.Ready.message).toMatch(/the spec asks for 4 masters x 1 replicas \(8 members\)/);
    expect(c.Degraded).toMatchObject({ status: 'False', reason: 'AsSpecified' });
  });

  it('keeps lastTransitionTime while a status stays the same, even if the reason changes', () => {
    const previous: Condition[] = [
      { type: 'Ready', status: 'False', reason: 'MembersDown', message: 'r-0 not answering', lastTransitionTime: EARLIER },
      { type: 'Degraded', status: 'True', reason: 'MembersDown', message: 'r-0 not answering', lastTransitionTime: EARLIER },
      { type: 'Healing', status: 'False', reason: 'Idle', message: 'nothing to heal', lastTransitionTime: EARLIER },
    ];
    // Now a replica link is down instead: Ready/Degraded keep their status with a new reason.
    const c = conditions(
      edit((m) => (m[3] = { ...m[3]!, linkDownSince: 5 })),
      previous,
    );
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'MissingReplicas', lastTransitionTime: EARLIER });
    expect(c.Degraded).toMatchObject({ status: 'True', reason: 'MissingReplicas', lastTransitionTime: EARLIER });
    expect(c.Healing).toMatchObject({ status: 'False', lastTransitionTime: EARLIER });
  });

  it('stamps the observation time on a condition whose status changed, and on one seen for the first time', () => {
    const previous: Condition[] = [
      { type: 'Ready', status: 'False', reason: 'MembersDown', message: 'r-0 not answering', lastTransitionTime: EARLIER },
      { type: 'Degraded', status: 'True', reason: 'MembersDown', message: 'r-0 not answering', lastTransitionTime: EARLIER },
    ];
    const c = conditions(observation(seedMembers()), previous);
    expect(c.Ready).toMatchObject({ status: 'True', lastTransitionTime: NOW_ISO });
    expect(c.Degraded).toMatchObject({ status: 'False', lastTransitionTime: NOW_ISO });
    // No previous Healing condition: it starts now.
    expect(c.Healing.lastTransitionTime).toBe(NOW_ISO);
  });
});

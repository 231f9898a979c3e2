import { describe, expect, it } from 'vitest';
import { planReplicationRetargets } from '../../src/plan/heal/replication-target.js';
import { planHeal } from '../../src/plan/heal/index.js';
import type { Observation } from '../../src/topology/observation.js';
import { observation, seedMembers } from './heal-fixtures.js';

const A = 'a'.repeat(40);

/** The seed cluster where r-3 (replica of r-0, which answers at 7000) dials `port` with its link down. */
function dialling(port: number, over: { linkUp?: boolean; masterFailInView?: boolean } = {}): Observation {
  const obs = observation(seedMembers());
  const r3 = obs.members.find((m) => m.name === 'r-3')!.node!;
  Object.assign(r3.replication, { masterHost: '127.0.0.1', masterPort: port, masterLinkUp: over.linkUp ?? false });
  if (over.masterFailInView) r3.table.find((l) => l.id === A)!.flags.push('fail');
  return obs;
}

describe('planReplicationRetargets', () => {
  it("re-points a replica that dials its master's old address, to the master that answers at the new one", () => {
    const actions = planReplicationRetargets(dialling(6999));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ kind: 'replicate', member: 'r-3', masterId: A });
    expect(actions[0]!.reason).toContain('old address 127.0.0.1:6999');
    // planHeal runs it on a cluster that needs nothing else.
    expect(planHeal(dialling(6999), { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' }).actions.map((a) => a.kind)).toEqual(['replicate']);
  });

  it('leaves alone a replica dialling the right address, one whose link is up, and one whose view marks the master failed', () => {
    expect(planReplicationRetargets(dialling(7000))).toEqual([]);
    expect(planReplicationRetargets(dialling(6999, { linkUp: true }))).toEqual([]);
    expect(planReplicationRetargets(dialling(6999, { masterFailInView: true }))).toEqual([]);
  });
});

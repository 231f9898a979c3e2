/** controller/cluster-view.ts: the web view's JSON from an observation (slot runs, open slots, members). */
import { describe, expect, it } from 'vitest';
import { clusterView } from '../../src/controller/cluster-view.js';
import { observation, seedMembers } from './heal-fixtures.js';

const desired = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' as const };

describe('clusterView', () => {
  it('the seed 3x1: three runs of slots covering 0..16383, six members, no open slot', () => {
    const v = clusterView({ cluster: 'r', obs: observation(seedMembers()), conditions: [], desired, samples: [], events: [] });
    expect(v.slots).toEqual([
      { start: 0, end: 5460, master: 'r-0' },
      { start: 5461, end: 10922, master: 'r-1' },
      { start: 10923, end: 16383, master: 'r-2' },
    ]);
    expect(v.members.map((m) => [m.member, m.role, m.master])).toEqual([
      ['r-0', 'master', ''],
      ['r-1', 'master', ''],
      ['r-2', 'master', ''],
      ['r-3', 'replica', 'r-0'],
      ['r-4', 'replica', 'r-1'],
      ['r-5', 'replica', 'r-2'],
    ]);
    expect(v.openSlots).toEqual([]);
    expect(v.facts.slotsServed).toBe(16384);
  });

  it('a master down: its slots are a run with no master; a migrating slot names where it moves', () => {
    const obs = observation(
      seedMembers().map((m) => (m.name === 'r-2' ? { ...m, up: false } : m.name === 'r-0' ? { ...m, migrating: [[7, 'b'.repeat(40)]] as [number, string][] } : m)),
    );
    const v = clusterView({ cluster: 'r', obs, conditions: [], desired, samples: [], events: [] });
    expect(v.slots[v.slots.length - 1]).toEqual({ start: 10923, end: 16383, master: '' });
    expect(v.openSlots).toEqual([{ slot: 7, from: 'r-0', to: 'r-1' }]);
    expect(v.members.find((m) => m.member === 'r-2')).toMatchObject({ up: false, role: 'unknown' });
  });
});

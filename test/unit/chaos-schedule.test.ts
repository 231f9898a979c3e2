import { describe, expect, it } from 'vitest';
import {
  FAULT_KINDS,
  type FaultKind,
  type ScheduleRequest,
  type ScheduledFault,
  describeFault,
  generateChaosSchedule,
  parseFaultKinds,
  seededRandom,
  touched,
} from '../../src/workload/chaos-schedule.js';

/** The seed's cluster: redis-app-0..2 masters, 3..5 their replicas. */
const SEED_MEMBERS = [0, 1, 2, 3, 4, 5].map((i) => ({ name: `redis-app-${i}`, role: i < 3 ? ('master' as const) : ('replica' as const) }));
const req = (seed: number, faults: number, extra: Partial<ScheduleRequest> = {}): ScheduleRequest => ({
  seed,
  faults,
  members: SEED_MEMBERS,
  nodeTimeoutMs: 5000,
  ...extra,
});
const SEEDS = Array.from({ length: 200 }, (_, i) => i * 7919 + 1);

describe('generateChaosSchedule', () => {
  it('gives the same schedule for the same seed, and a different one for each of 200 seeds', () => {
    const schedules = SEEDS.map((s) => JSON.stringify(generateChaosSchedule(req(s, 10))));
    expect(SEEDS.map((s) => JSON.stringify(generateChaosSchedule(req(s, 10))))).toEqual(schedules);
    expect(new Set(schedules).size).toBe(200);
  });

  it('returns exactly the number of faults asked for, numbered 1..N (0, 1, 10 and 50)', () => {
    for (const n of [0, 1, 10, 50]) {
      const s = generateChaosSchedule(req(42, n));
      expect(s).toHaveLength(n);
      expect(s.map((f) => f.number)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });

  it('reaches every one of the 8 kinds over 200 seeds x 10 faults, and every kind as a part of a double except supervisor-kill', () => {
    const all = SEEDS.flatMap((s) => generateChaosSchedule(req(s, 10)));
    expect(new Set(all.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    const parts = new Set(all.filter((f) => f.kind === 'double').flatMap((f) => f.actions.map((a) => a.kind)));
    expect(parts).toEqual(new Set(['kill', 'crash', 'freeze', 'restart', 'lose-volume', 'reshard']));
    // Each of the 8 kinds is drawn with about the same odds: 2000 faults, 250 expected each.
    for (const k of FAULT_KINDS) expect(all.filter((f) => f.kind === k).length, k).toBeGreaterThan(180);
  });

  it('hits both masters and replicas, every index of each', () => {
    const targets = SEEDS.flatMap((s) => generateChaosSchedule(req(s, 10))).flatMap((f) => f.actions.flatMap(touched));
    expect(new Set(targets.map((t) => `${t.role} ${t.index}`))).toEqual(new Set(['master 0', 'master 1', 'master 2', 'replica 0', 'replica 1', 'replica 2']));
  });

  it('draws only the kinds asked for, and doubles of those kinds only', () => {
    const kinds: FaultKind[] = ['kill', 'restart', 'double'];
    const all = SEEDS.flatMap((s) => generateChaosSchedule(req(s, 10, { kinds })));
    expect(new Set(all.map((f) => f.kind))).toEqual(new Set(kinds));
    expect(new Set(all.flatMap((f) => f.actions.map((a) => a.kind)))).toEqual(new Set(['kill', 'restart']));
  });

  it('gives every fault one action, a double two on different members (a reshard touches its two masters)', () => {
    for (const f of SEEDS.flatMap((s) => generateChaosSchedule(req(s, 10)))) {
      expect(f.actions).toHaveLength(f.kind === 'double' ? 2 : 1);
      if (f.kind !== 'double') continue;
      const [a, b] = f.actions.map((x) => touched(x).map((t) => `${t.role} ${t.index}`));
      expect(
        a!.filter((t) => b!.includes(t)),
        describeFault(f),
      ).toEqual([]);
    }
  });

  it('keeps timing within bounds: pauses 1-4 s, double offsets 0-500 ms, freezes 1.2-2.5 x the node timeout, reshards 16-512 slots', () => {
    const all: ScheduledFault[] = SEEDS.flatMap((s) => generateChaosSchedule(req(s, 10, { nodeTimeoutMs: 1000 })));
    for (const f of all) {
      expect(f.pauseMs).toBeGreaterThanOrEqual(1000);
      expect(f.pauseMs).toBeLessThanOrEqual(4000);
      expect(f.offsetMs).toBeGreaterThanOrEqual(0);
      expect(f.offsetMs).toBeLessThanOrEqual(f.kind === 'double' ? 500 : 0);
      for (const a of f.actions) {
        if (a.kind === 'freeze') {
          expect(a.freezeMs).toBeGreaterThan(1000);
          expect(a.freezeMs).toBeLessThanOrEqual(2500);
        }
        if (a.kind === 'reshard') {
          expect(a.slots).toBeGreaterThanOrEqual(16);
          expect(a.slots).toBeLessThanOrEqual(512);
          expect(a.from).not.toBe(a.to);
        }
      }
    }
  });

  it('targets masters only when the cluster has no replicas', () => {
    const members = SEED_MEMBERS.slice(0, 3);
    const targets = SEEDS.slice(0, 50)
      .flatMap((s) => generateChaosSchedule(req(s, 10, { members })))
      .flatMap((f) => f.actions.flatMap(touched));
    expect(new Set(targets.map((t) => t.role))).toEqual(new Set(['master']));
  });

  it('refuses bad requests with one line: unknown kind, bad seed, fewer than 3 masters', () => {
    expect(() => generateChaosSchedule(req(1, 3, { kinds: ['nuke' as FaultKind] }))).toThrow('unknown fault kind "nuke"');
    expect(() => generateChaosSchedule(req(-1, 3))).toThrow('seed -1: expected an integer 0..4294967295');
    expect(() => generateChaosSchedule(req(1, 3, { members: SEED_MEMBERS.slice(0, 2) }))).toThrow('2 master(s)');
  });
});

describe('parseFaultKinds', () => {
  it('reads a comma-separated list, `all`, and names every unknown kind', () => {
    expect(parseFaultKinds('kill, Restart')).toEqual(['kill', 'restart']);
    expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
    expect(() => parseFaultKinds('kill,boom,zap')).toThrow('unknown fault kind(s) "boom", "zap"');
  });
});

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays within [0, 1) over 10,000 draws', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(9_990);
  });
});

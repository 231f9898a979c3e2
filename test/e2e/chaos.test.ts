/**
 * `rck bench chaos` end to end in the CI run, on fixed seeds and three fault kinds (rck
 * kill, rck restart, a crash in place; the campaign over all kinds is in docs/data-safety.md): the
 * verdict must show every fault Ready again, no lost acknowledged write and no lost key,
 * with persistence on and off; and the faults run must be the ones the seed's schedule names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosVerdict } from '../../src/workload/chaos-verdict.js';
import { type FaultKind, generateChaosSchedule } from '../../src/workload/chaos-schedule.js';
import { LocalClusterHarness } from '../support/local-cluster.js';

const KINDS: FaultKind[] = ['kill', 'restart', 'crash'];
const FAULTS = 3;
const KEYS = 10_000;

async function chaos(h: LocalClusterHarness, seed: number): Promise<{ verdict: ChaosVerdict; faultLines: string[]; stderr: string }> {
  const before = await h.status();
  const r = await h.rck(['bench', 'chaos', '--name', h.name, '--seed', String(seed), '--faults', String(FAULTS), '--kinds', KINDS.join(','), '--keys', String(KEYS), '--json']);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`rck bench chaos exited ${r.code} without a verdict\n${r.stderr}\n${r.stdout}`);
  const verdict = JSON.parse(r.stdout) as ChaosVerdict;
  // The faults run are the seed's schedule, on the roles it names.
  const schedule = generateChaosSchedule({ seed, faults: FAULTS, kinds: KINDS, members: before.members, nodeTimeoutMs: 1000 });
  expect(verdict.faults.map((f) => [f.kind, f.actions[0]!.role])).toEqual(schedule.map((f) => [f.kind, 'target' in f.actions[0]! ? f.actions[0].target.role : undefined]));
  expect(r.stderr).toContain(`chaos seed ${seed} on ${h.name}`);
  expect(r.code, `${r.stderr}\nverdict failures: ${JSON.stringify(verdict.failures)}${verdict.interrupted ? `\ninterrupted: ${verdict.interrupted}` : ''}`).toBe(0);
  return { verdict, faultLines: r.stderr.split('\n').filter((l) => /^#\d+ /.test(l)), stderr: r.stderr };
}

function expectClean(v: ChaosVerdict, persistence: boolean): void {
  expect(v.failures).toEqual([]);
  expect(v.ok).toBe(true);
  expect(v.persistence).toBe(persistence);
  expect(v.faults).toHaveLength(FAULTS);
  expect(v.faults.every((f) => f.readyAfterMs !== null && f.readyAfterMs > 0)).toBe(true);
  expect(v.faults.flatMap((f) => f.actions.filter((a) => a.error))).toEqual([]);
  expect(v.lostWrites).toBe(0);
  expect(v.faults.map((f) => [f.keysLost, f.lostWrites])).toEqual(Array.from({ length: FAULTS }, () => [0, 0]));
  expect(v.keysPreloaded).toBe(KEYS);
  expect(v.keysLost).toBe(0);
  expect(v.keysUnreadable).toBe(0);
  expect(v.losses).toEqual([]);
  expect(v.ops).toBeGreaterThan(0);
}

describe('rck bench chaos, persistence on', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'chaos-on' });
    await h.upReady();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  for (const seed of [17, 23]) {
    it(`seed ${seed}: 3 kill/restart/crash faults (masters among them), 3 fault lines, each Ready again; 0 lost writes, 0 of 10,000 keys lost`, { timeout: 150_000 }, async () => {
      const { verdict, faultLines } = await chaos(h, seed);
      expect(faultLines).toHaveLength(FAULTS);
      expectClean(verdict, true);
      expect(verdict.seed).toBe(seed);
    });
  }
});

describe('rck bench chaos, persistence off', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'chaos-off', extraSpec: '  persistence: {enabled: false}' });
    await h.upReady();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it(
    'seed 30: 3 kill/restart/crash faults (a master killed, a master crashed), 3 fault lines, each Ready again; 0 lost writes, 0 of 10,000 keys lost',
    { timeout: 150_000 },
    async () => {
      const { verdict, faultLines } = await chaos(h, 30);
      expect(faultLines).toHaveLength(FAULTS);
      expectClean(verdict, false);
      expect(verdict.faults.map((f) => `${f.kind} ${f.actions[0]!.role}`)).toEqual(['crash replica', 'kill master', 'crash master']);
    },
  );
});

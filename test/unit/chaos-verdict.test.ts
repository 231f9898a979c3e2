import { describe, expect, it } from 'vitest';
import {
  type AppliedAction,
  type DataLossEvent,
  type FaultOutcome,
  type VerdictInput,
  accountLosses,
  chaosVerdict,
  copySurvived,
  destroysData,
  faultLabel,
} from '../../src/workload/chaos-verdict.js';

const SHARD0 = ['redis-app-0', 'redis-app-3'];
const act = (kind: AppliedAction['kind'], member: string, extra: Partial<AppliedAction> = {}): AppliedAction => ({
  kind,
  member,
  role: member === 'redis-app-0' ? 'master' : 'replica',
  shard: SHARD0,
  ...extra,
});

function outcome(number: number, over: Partial<FaultOutcome> = {}): FaultOutcome {
  return {
    number,
    kind: 'kill',
    actions: [act('kill', 'redis-app-0')],
    startedAt: number * 10_000,
    readyAfterMs: 5000,
    longestWriteOutageMs: 1000,
    keysLost: 0,
    lostWrites: 0,
    copySurvived: true,
    ...over,
  };
}

function input(outcomes: FaultOutcome[], dataLoss: DataLossEvent[] = [], over: Partial<VerdictInput> = {}): VerdictInput {
  return {
    seed: 7,
    cluster: 'redis-app',
    persistence: false,
    nodeTimeoutMs: 1000,
    faultsPlanned: outcomes.length,
    faultTimeoutMs: 120_000,
    outcomes,
    keysPreloaded: 10_000,
    keysLost: outcomes.reduce((n, o) => n + o.keysLost, 0),
    keysUnreadable: 0,
    workload: { ops: 5000, lostWrites: outcomes.reduce((n, o) => n + o.lostWrites, 0), unackedWrites: 0, longestWriteOutageMs: 1000, unreadableKeys: 0 },
    dataLoss,
    ...over,
  };
}

describe('destroysData and copySurvived', () => {
  it('persistence off: kill, crash, restart and lose-volume wipe the member; freeze, reshard and supervisor-kill do not', () => {
    expect(['kill', 'crash', 'restart', 'lose-volume', 'freeze', 'reshard', 'supervisor-kill'].map((k) => destroysData(k as AppliedAction['kind'], false))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('persistence on: only lose-volume wipes the member', () => {
    expect(['kill', 'crash', 'restart', 'lose-volume', 'freeze', 'reshard', 'supervisor-kill'].map((k) => destroysData(k as AppliedAction['kind'], true))).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
  });

  it('a copy survives one wiped member of a 2-member shard, not both; two shards hit once each keep theirs', () => {
    expect(copySurvived([act('crash', 'redis-app-0')], false)).toBe(true);
    expect(copySurvived([act('crash', 'redis-app-0'), act('lose-volume', 'redis-app-3')], false)).toBe(false);
    // The replica lost its volume first: the crashed master's AOF has everything.
    expect(copySurvived([act('lose-volume', 'redis-app-3'), act('crash', 'redis-app-0')], true)).toBe(true);
    // The master crashed first (its replica took over and took writes), then the replica lost its volume.
    expect(copySurvived([act('crash', 'redis-app-0'), act('lose-volume', 'redis-app-3')], true)).toBe(false);
    // Chaos campaign, on, seed 38: a master restarted (handover), then the replica lost its volume.
    expect(copySurvived([act('restart', 'redis-app-0'), act('lose-volume', 'redis-app-3')], true)).toBe(false);
    // Wiped, then the other member frozen: it holds the data (a frozen master's own writes are Redis's to discard).
    expect(copySurvived([act('lose-volume', 'redis-app-3'), act('freeze', 'redis-app-0')], true)).toBe(true);
    expect(copySurvived([act('crash', 'redis-app-0'), act('crash', 'redis-app-1', { shard: ['redis-app-1', 'redis-app-4'] })], false)).toBe(true);
    expect(copySurvived([act('crash', 'redis-app-0'), act('freeze', 'redis-app-3')], false)).toBe(true);
  });

  it('an action that failed wiped nothing', () => {
    expect(copySurvived([act('crash', 'redis-app-0'), act('crash', 'redis-app-3', { error: 'no live pid' })], false)).toBe(true);
  });
});

describe('accountLosses', () => {
  it('accounts a loss with DataLoss events from its start naming at least as many keys, each event used once', () => {
    const outcomes = [outcome(1, { keysLost: 300, copySurvived: false }), outcome(2, { keysLost: 200, copySurvived: false })];
    const events: DataLossEvent[] = [
      { at: 5_000, member: 'redis-app-0', keysLost: 999, reason: 'before the run' }, // before fault 1: not used
      { at: 12_000, member: 'redis-app-0', keysLost: 100, reason: '' },
      { at: 13_000, member: 'redis-app-0', keysLost: 250, reason: '' },
      { at: 25_000, member: 'redis-app-1', keysLost: 150, reason: '' },
    ];
    const [a, b] = accountLosses(outcomes, events);
    expect(a).toMatchObject({ fault: 1, keysLost: 300, dataLossEvents: 2, dataLossKeys: 350, accounted: true });
    expect(b).toMatchObject({ fault: 2, keysLost: 200, dataLossEvents: 1, dataLossKeys: 150, accounted: false });
  });

  it('an event without a number accounts for any loss; lost writes need an event naming keys or bytes, not one naming 0 keys', () => {
    const [a, b, c] = accountLosses(
      [outcome(1, { keysLost: 5000, copySurvived: false }), outcome(2, { lostWrites: 3, copySurvived: false }), outcome(3, { lostWrites: 2, copySurvived: false })],
      [
        { at: 10_500, member: 'redis-app-0', reason: 'forced promotion' },
        { at: 20_500, member: 'redis-app-0', keysLost: 0, reason: '' },
        { at: 30_500, member: 'redis-app-0', bytesLost: 98, reason: 'refused psync' },
      ],
    );
    expect(a).toMatchObject({ dataLossEvents: 1, dataLossKeys: 0, accounted: true });
    // Fault 2's 0-key event does not explain 3 lost writes, so it reads on and takes fault 3's event.
    expect(b).toMatchObject({ dataLossEvents: 2, dataLossBytes: 98, accounted: true });
    expect(c).toMatchObject({ dataLossEvents: 0, accounted: false });
  });

  it('writes a frozen master acknowledged and Redis discarded, named in bytes, are a loss Redis forced', () => {
    const freeze = (over: Partial<FaultOutcome>) => outcome(1, { kind: 'freeze', actions: [act('freeze', 'redis-app-0')], lostWrites: 2, ...over });
    const event = (bytesLost: number): DataLossEvent[] => [{ at: 12_000, member: 'redis-app-0', bytesLost, reason: 'refused psync' }];
    expect(accountLosses([freeze({})], event(98))[0]).toMatchObject({ accounted: true, discardedByRedis: true });
    expect(accountLosses([freeze({})], event(30))[0]).toMatchObject({ accounted: true, discardedByRedis: false }); // 30 bytes cannot hold 2 writes
    expect(accountLosses([freeze({ keysLost: 1 })], event(98))[0]).toMatchObject({ discardedByRedis: false }); // keys are not writes
    expect(accountLosses([freeze({ actions: [act('freeze', 'redis-app-3')] })], event(98))[0]).toMatchObject({ discardedByRedis: false }); // a replica
    expect(chaosVerdict(input([freeze({})], event(98))).failures).toEqual([]);
    expect(chaosVerdict(input([freeze({})], [])).failures).toEqual([
      'fault #1 (freeze redis-app-0 (master)): 0 preloaded key(s) and 2 acknowledged write(s) lost while a copy survived',
    ]);
  });

  it('lists only faults that lost something', () => {
    expect(accountLosses([outcome(1), outcome(2)], [])).toEqual([]);
  });
});

describe('chaosVerdict', () => {
  it('passes a run with no loss and every fault Ready, with the figures summed up', () => {
    const v = chaosVerdict(input([outcome(1, { readyAfterMs: 4000 }), outcome(2, { readyAfterMs: 9000 })]));
    expect(v).toMatchObject({ ok: true, failures: [], maxTimeToReadyMs: 9000, lostWrites: 0, keysLost: 0, losses: [], dataLoss: { events: 0, keys: 0 } });
  });

  it('fails a loss while a copy survived even when a DataLoss event reports it', () => {
    const v = chaosVerdict(
      input(
        [outcome(1, { kind: 'crash', actions: [act('crash', 'redis-app-0')], keysLost: 3334, lostWrites: 12 })],
        [{ at: 11_000, member: 'redis-app-0', keysLost: 4000, reason: '' }],
      ),
    );
    expect(v.ok).toBe(false);
    expect(v.failures).toEqual(['fault #1 (crash redis-app-0 (master)): 3334 preloaded key(s) and 12 acknowledged write(s) lost while a copy survived']);
    expect(v.losses[0]).toMatchObject({ accounted: true, copySurvived: true });
  });

  it('passes a loss with no copy left when DataLoss events account for it, fails it when they do not', () => {
    const lost = outcome(1, { kind: 'double', keysLost: 3334, copySurvived: false });
    expect(chaosVerdict(input([lost], [{ at: 10_001, member: 'redis-app-0', keysLost: 3400, reason: '' }])).ok).toBe(true);
    const v = chaosVerdict(input([lost], [{ at: 10_001, member: 'redis-app-0', keysLost: 3000, reason: '' }]));
    expect(v.failures).toEqual([
      'fault #1 (double: kill redis-app-0 (master)): 3334 preloaded key(s) and 0 acknowledged write(s) lost with no copy left, and no DataLoss event accounts for them',
    ]);
  });

  it('fails a fault not Ready in time, unreadable keys, and an interrupted run, one line each', () => {
    const v = chaosVerdict(input([outcome(1, { readyAfterMs: null })], [], { keysUnreadable: 12, interrupted: 'interrupted' }));
    expect(v.failures).toEqual([
      'stopped early: interrupted',
      'fault #1 (kill redis-app-0 (master)): not Ready within 120 s',
      '12 preloaded key(s) could not be read back at the end',
    ]);
    expect(v.maxTimeToReadyMs).toBeNull();
  });
});

describe('faultLabel', () => {
  it('names the members and roles, a double with both parts, a reshard with both masters', () => {
    expect(faultLabel(outcome(1))).toBe('kill redis-app-0 (master)');
    expect(faultLabel({ kind: 'double', actions: [act('crash', 'redis-app-0'), act('freeze', 'redis-app-4')] })).toBe(
      'double: crash redis-app-0 (master) + freeze redis-app-4 (replica)',
    );
    expect(faultLabel({ kind: 'reshard', actions: [{ kind: 'reshard', member: 'redis-app-1', to: 'redis-app-2', shard: [] }] })).toBe('reshard redis-app-1 -> redis-app-2');
    expect(faultLabel({ kind: 'supervisor-kill', actions: [{ kind: 'supervisor-kill', shard: [] }] })).toBe('supervisor-kill');
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS as T, FIRST_STATE, type ScheduleState, nextAfterPass, nextAfterProbe } from '../../src/controller/runner.js';
import { type ProbeSample, dataMoved, memberFingerprint, mergeSamples, probeChanged, probeTargets, roleShape } from '../../src/controller/probe.js';
import { observation, seedMembers } from './heal-fixtures.js';

describe('the reconcile schedule', () => {
  it('acted: the next pass at once, at most maxQuick times in a row, then a busy interval', () => {
    let s: ScheduleState = FIRST_STATE;
    const delays: number[] = [];
    for (let i = 0; i < T.maxQuick + 1; i++) {
      const r = nextAfterPass(T, s, 'acted');
      delays.push(r.next.afterMs);
      s = r.state;
    }
    expect(delays).toEqual([...Array(T.maxQuick).fill(T.actedMs), T.busyMs]);
  });

  it('busy: a pass every busyMs; settled: probes', () => {
    expect(nextAfterPass(T, { quick: 3, errors: 0, still: 0 }, 'busy')).toEqual({ next: { kind: 'pass', afterMs: T.busyMs }, state: FIRST_STATE });
    expect(nextAfterPass(T, FIRST_STATE, 'settled').next).toEqual({ kind: 'probe', afterMs: T.probeMs });
  });

  it('errors back off exponentially up to the cap, and one success resets it', () => {
    let s: ScheduleState = FIRST_STATE;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = nextAfterPass(T, s, 'error');
      delays.push(r.next.afterMs);
      s = r.state;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(nextAfterPass(T, s, 'busy').state.errors).toBe(0);
  });

  it('a probe that saw a change, or a resync that is due, runs a full pass at once', () => {
    expect(nextAfterProbe(T, FIRST_STATE, 'changed', 0).next).toEqual({ kind: 'pass', afterMs: 0 });
    expect(nextAfterProbe(T, FIRST_STATE, 'still', T.resyncMs - T.probeMs / 2).next).toEqual({ kind: 'pass', afterMs: 0, resync: true });
    expect(nextAfterProbe(T, FIRST_STATE, 'still', 1000).next).toEqual({ kind: 'probe', afterMs: T.probeMs });
  });

  it('probes slow down once the cluster stood still for quietAfterProbes probes, and speed up when the data moves', () => {
    const intervals = (outcomes: ('moving' | 'still')[]) => {
      let s = FIRST_STATE;
      return outcomes.map((o) => {
        const r = nextAfterProbe(T, s, o, 0);
        s = r.state;
        return r.next.afterMs;
      });
    };
    const still = Array<'still'>(T.quietAfterProbes + 2).fill('still');
    expect(intervals(still)).toEqual([...Array(T.quietAfterProbes - 1).fill(T.probeMs), T.quietProbeMs, T.quietProbeMs, T.quietProbeMs]);
    expect(intervals([...still, 'moving', 'still'])).toEqual([...intervals(still), T.probeMs, T.probeMs]);
  });

  it('a settled resync keeps the slow probes; any other pass returns to the fast ones', () => {
    const quiet = { ...FIRST_STATE, still: T.quietAfterProbes };
    expect(nextAfterPass(T, quiet, 'settled', true).next).toEqual({ kind: 'probe', afterMs: T.quietProbeMs });
    expect(nextAfterPass(T, quiet, 'settled').next).toEqual({ kind: 'probe', afterMs: T.probeMs });
    expect(nextAfterPass(T, quiet, 'busy', true).state.still).toBe(0);
    expect(nextAfterProbe(T, quiet, 'changed', 0).state.still).toBe(0);
  });
});

describe('the probe: does the data move?', () => {
  const master = (keys: number, offset: number): ProbeSample => ({ nodeId: 'm', keys, role: 'master', offset });
  const replica = (keys: number): ProbeSample => ({ nodeId: 'r', keys, role: 'replica' });

  it('still: same key counts, offsets apart by at most a replication PING (14 bytes)', () => {
    expect(dataMoved([master(5, 100), replica(5)], [master(5, 100), replica(5)])).toBe(false);
    expect(dataMoved([master(5, 100), replica(5)], [master(5, 114), replica(5)])).toBe(false);
  });

  it('moving: a key count changed, an offset moved by a write (20 bytes or more), or a node is new', () => {
    expect(dataMoved([master(5, 100), replica(5)], [master(5, 100), replica(6)])).toBe(true);
    expect(dataMoved([master(5, 100)], [master(5, 120)])).toBe(true);
    expect(dataMoved([master(5, 100)], [master(5, 100), replica(5)])).toBe(true);
  });
});

describe('the probe: whom it asks', () => {
  it('every member that answered; once quiet, only the masters (3 of 6)', () => {
    const members = [...seedMembers().slice(0, 5), { ...seedMembers()[5]!, up: false }];
    const obs = observation(members);
    expect(probeTargets(obs.members, false).map((m) => m.name)).toEqual(['r-0', 'r-1', 'r-2', 'r-3', 'r-4']);
    expect(probeTargets(obs.members, true).map((m) => m.name)).toEqual(['r-0', 'r-1', 'r-2']);
  });

  it('quiet with no master answering: everyone who answered', () => {
    const obs = observation(seedMembers().map((m) => (m.role === 'master' ? { ...m, up: false } : m)));
    expect(probeTargets(obs.members, true).map((m) => m.name)).toEqual(['r-3', 'r-4', 'r-5']);
  });

  it('a change is a differing line or a member the full pass did not see; members not asked are no change', () => {
    const settled = new Map([
      ['r-0', 'a'],
      ['r-3', 'b'],
    ]);
    expect(probeChanged(settled, new Map([['r-0', 'a']]))).toBe(false);
    expect(probeChanged(settled, new Map([['r-0', 'x']]))).toBe(true);
    expect(probeChanged(settled, new Map([['r-9', 'a']]))).toBe(true);
  });

  it('the samples keep what was seen of the nodes not asked, and take the new ones', () => {
    const before: ProbeSample[] = [
      { nodeId: 'm', keys: 5, role: 'master', offset: 100 },
      { nodeId: 'r', keys: 5, role: 'replica' },
    ];
    expect(mergeSamples(before, [{ nodeId: 'm', keys: 6, role: 'master', offset: 140 }])).toEqual([
      { nodeId: 'r', keys: 5, role: 'replica' },
      { nodeId: 'm', keys: 6, role: 'master', offset: 140 },
    ]);
  });
});

describe('the probe fingerprint', () => {
  const INFO =
    'cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:6\r\ncluster_size:3\r\ncluster_current_epoch:6\r\ncluster_my_epoch:2\r\ncluster_stats_messages_sent:1234\r\n';

  it('ignores offsets and message counters, and sees epochs, failures and replica links', () => {
    const base = memberFingerprint('m-0', INFO, ['master', 100, [['127.0.0.1', '7003', '100']]]);
    expect(memberFingerprint('m-0', INFO.replace('1234', '99999'), ['master', 5000, [['127.0.0.1', '7003', '4990']]])).toBe(base);
    expect(memberFingerprint('m-0', INFO.replace('cluster_current_epoch:6', 'cluster_current_epoch:7'), ['master', 100, [['127.0.0.1', '7003', '100']]])).not.toBe(base);
    expect(memberFingerprint('m-0', INFO.replace('cluster_slots_pfail:0', 'cluster_slots_pfail:5461'), ['master', 100, [['127.0.0.1', '7003', '100']]])).not.toBe(base);
    expect(memberFingerprint('m-0', INFO, ['master', 100, []])).not.toBe(base);
    // Redis 7 ends the reply with one more counter.
    expect(memberFingerprint('m-0', `${INFO}total_cluster_links_buffer_limit_exceeded:3\r\n`, ['master', 100, [['127.0.0.1', '7003', '100']]])).toBe(base);
  });

  it('a replica: its master and link state, not its offset', () => {
    expect(roleShape(['slave', '127.0.0.1', 7000, 'connected', 500])).toBe('replica 127.0.0.1:7000 connected');
    expect(roleShape(['slave', '127.0.0.1', 7000, 'connect', 500])).not.toBe(roleShape(['slave', '127.0.0.1', 7000, 'connected', 900]));
  });
});

describe('the probe fingerprint: CLUSTER NODES', () => {
  const LINE = (ping: number, slots: string) => `07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004 master - ${ping} ${ping + 5} 3 connected ${slots}`;
  it('ignores ping and pong times, sees slots and open slots', () => {
    const base = memberFingerprint('m-0', '', ['master', 0, []], LINE(1000, '0-5460'));
    expect(memberFingerprint('m-0', '', ['master', 0, []], LINE(2000, '0-5460'))).toBe(base);
    expect(memberFingerprint('m-0', '', ['master', 0, []], LINE(1000, '0-5460 [5461->-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca]'))).not.toBe(base);
    expect(memberFingerprint('m-0', '', ['master', 0, []], LINE(1000, '0-5459'))).not.toBe(base);
  });

  it('ignores them on every line of a whole reply, and sees a flag change on any line', () => {
    const nodes = (ping: number, flags: string) =>
      `${LINE(ping, '0-5460').replace(' master ', ' myself,master ')}\n` +
      `e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30005@31005 ${flags} 07c37dfeb235213a872192d90877d0cd55635b91 ${ping + 1} ${ping + 9} 3 connected\n`;
    const base = memberFingerprint('m-0', '', ['master', 0, []], nodes(1000, 'slave'));
    expect(memberFingerprint('m-0', '', ['master', 0, []], nodes(4321, 'slave'))).toBe(base);
    expect(memberFingerprint('m-0', '', ['master', 0, []], nodes(1000, 'slave,fail?'))).not.toBe(base);
  });
});

import { describe, expect, it } from 'vitest';
import { parsePsyncRefusals } from '../../src/controller/divergence.js';
import { LossWatch } from '../../src/controller/loss-watch.js';
import type { Observation } from '../../src/topology/observation.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const R0 = '1'.repeat(40); // r-0's history while it is master
const R3 = '3'.repeat(40); // r-3's own history once promoted

// What Redis 7.0 logs on the promoted node when the old master asks for more than it has.
const LOG = [
  '100:M 01 Dec 2026 03:20:42.201 * Replica 127.0.0.1:7005 asks for synchronization',
  '100:M 01 Dec 2026 03:20:42.201 * Partial resynchronization not accepted: Replication ID mismatch (Replica asked for \'x\', my replication IDs are \'y\' and \'z\')',
  '100:M 01 Dec 2026 03:20:42.204 * Replica 127.0.0.1:7000 asks for synchronization',
  '100:M 01 Dec 2026 03:20:42.204 * Partial resynchronization not accepted: Requested offset for second ID was 57016937, but I can reply up to 57016839',
  '100:M 01 Dec 2026 03:20:42.204 * Starting BGSAVE for SYNC with target: disk',
].join('\n');

/** The seed cluster with replication fields set per member name. */
function obsWith(over: Record<string, Partial<FakeMember>>, repl: Record<string, object>): Observation {
  const obs = observation(seedMembers().map((m) => ({ ...m, ...over[m.name] })));
  for (const m of obs.members) if (m.node && repl[m.name]) Object.assign(m.node.replication, repl[m.name]);
  return obs;
}

describe('parsePsyncRefusals', () => {
  it('finds both refusals, names each follower, and reads the offsets of the one beyond the history', () => {
    expect(parsePsyncRefusals(LOG)).toEqual([{ replica: '127.0.0.1:7005' }, { replica: '127.0.0.1:7000', requested: 57016937, upTo: 57016839 }]);
  });
});

describe('LossWatch: writes Redis discarded', () => {
  // Pass 1: r-0 serves R0, r-3 follows it. Pass 2: r-3 was promoted (continues R0 up to
  // 57016839), r-0 rejoined as its replica and r-3 refused its PSYNC once.
  const before = obsWith({}, { 'r-0': { replid: R0 }, 'r-3': { replid: R0, syncPartialErr: 0 } });
  const after = obsWith(
    { 'r-0': { role: 'replica', master: 'd'.repeat(40), slots: [] }, 'r-3': { role: 'master', master: undefined, slots: [[0, 5460]] } },
    { 'r-0': { replid: R3 }, 'r-3': { replid: R3, replid2: R0, secondReplOffset: 57016839, syncPartialErr: 2 } },
  );

  it('reports the bytes the old master had beyond the promoted node, once, named after the follower', async () => {
    const watch = new LossWatch(async (member) => (member === 'r-3' ? LOG : ''));
    expect(await watch.observed(before)).toEqual([]);
    const losses = await watch.observed(after);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ member: 'r-0', bytesLost: 98 });
    expect(losses[0]!.reason).toMatch(/^r-0 had 98 bytes of writes that r-3 never received/);
    // The counter does not grow again: nothing more is reported.
    expect(await watch.observed(after)).toEqual([]);
  });

  it('reports nothing when the refusals were of another history', async () => {
    const watch = new LossWatch(async () => LOG.split('\n').slice(0, 2).join('\n'));
    await watch.observed(before);
    expect(await watch.observed(after)).toEqual([]);
  });

  it('without a log to read, reports nothing (a refusal may be a follower that restarted empty)', async () => {
    const watch = new LossWatch(async () => {
      throw new Error('forbidden');
    });
    await watch.observed(before);
    expect(await watch.observed(after)).toEqual([]);
  });

  it('a controller that starts after the refusal does not report it (no earlier count to compare)', async () => {
    const watch = new LossWatch(async () => LOG);
    expect(await watch.observed(after)).toEqual([]);
  });
});

describe('LossWatch: a forced promotion', () => {
  const A = 'a'.repeat(40);
  // r-0 (master of r-3) seen streaming to r-3, then r-3 promoted over it.
  function seen(streaming: boolean, masterOffset: number): Observation {
    return obsWith({}, {
      'r-0': { replid: R0, offset: masterOffset, replicas: streaming ? [{ host: '127.0.0.1', port: 7003, state: 'online', offset: masterOffset, lagSeconds: 0 }] : [] },
      'r-3': { replid: R0, offset: 1000 },
    });
  }
  const promoted = obsWith({}, { 'r-3': { replid: R0, offset: 1000 } });

  it('reports nothing when the master was last seen streaming to the copy and not ahead of it', async () => {
    const watch = new LossWatch();
    await watch.observed(seen(true, 1000));
    expect(watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE')).toBeUndefined();
  });

  it('sized by bytes only (a crash failover): fewer keys on the copy (deleted or expired since) are no loss', async () => {
    const watch = new LossWatch();
    const before = seen(true, 1000);
    before.members.find((m) => m.name === 'r-0')!.node!.keys = 50;
    await watch.observed(before);
    expect(watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE', 'bytes')).toBeUndefined();
    expect(watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE')).toMatchObject({ keysLost: 50 });
  });

  it('reports the bytes the master was last seen ahead of the copy in the same history', async () => {
    const watch = new LossWatch();
    await watch.observed(seen(true, 1500));
    expect(watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE')).toMatchObject({ member: 'r-3', bytesLost: 500 });
  });

});

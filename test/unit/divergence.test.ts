import { describe, expect, it } from 'vitest';
import { lastFullResync, lastPromotionWasPlanned, parsePsyncRefusals } from '../../src/controller/divergence.js';
import { LossWatch } from '../../src/controller/loss-watch.js';
import type { Observation } from '../../src/topology/observation.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const R0 = '1'.repeat(40); // r-0's history while it is master
const R3 = '3'.repeat(40); // r-3's own history once promoted

// What Redis 7.0 logs on the promoted node when the old master asks for more than it has.
const LOG = [
  '100:M 01 Dec 2026 03:20:42.201 * Replica 127.0.0.1:7005 asks for synchronization',
  "100:M 01 Dec 2026 03:20:42.201 * Partial resynchronization not accepted: Replication ID mismatch (Replica asked for 'x', my replication IDs are 'y' and 'z')",
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

describe('LossWatch: writes discarded after a PSYNC that failed for another reason', () => {
  // Seen in the chaos campaign (off, seed 30): r-0 (master, frozen) came back after r-3 was
  // promoted; r-3 was still closed to followers (admission), so r-0's PSYNC got NOPERM and it
  // retried with a plain SYNC, which r-3 served as a full sync: no refusal line in r-3's log,
  // sync_partial_err unchanged, only sync_full grew. r-0's own log says what it asked for.
  const FOLLOWER_LOG = [
    `27540:S 01 Dec 2026 04:48:46.920 * Trying a partial resynchronization (request ${R0}:237011013).`,
    "27540:S 01 Dec 2026 04:48:46.920 # Unexpected reply to PSYNC from master: -NOPERM this user has no permissions to run the 'psync' command",
    '27540:S 01 Dec 2026 04:48:46.920 * Retrying with SYNC...',
    '27540:S 01 Dec 2026 04:48:46.965 * MASTER <-> REPLICA sync: receiving 594563 bytes from master to disk',
  ].join('\n');
  const PROMOTED_LOG = [
    '27575:M 01 Dec 2026 04:48:46.925 * Replica 127.0.0.1:<unknown-replica-port> asks for synchronization',
    '27575:M 01 Dec 2026 04:48:46.925 * Starting BGSAVE for SYNC with target: disk',
  ].join('\n');
  const before = obsWith({}, { 'r-0': { replid: R0 }, 'r-3': { replid: R0, syncPartialErr: 0, syncFull: 0 } });
  const r3Id = before.members.find((m) => m.name === 'r-3')!.node!.id;
  const after = obsWith(
    { 'r-0': { role: 'replica', master: r3Id, slots: [] }, 'r-3': { role: 'master', master: undefined, slots: [[0, 5460]] } },
    { 'r-0': { replid: R3 }, 'r-3': { replid: R3, replid2: R0, secondReplOffset: 237010572, syncPartialErr: 0, syncFull: 1 } },
  );
  const logs = async (member: string) => (member === 'r-3' ? PROMOTED_LOG : member === 'r-0' ? FOLLOWER_LOG : '');

  it("reports the 441 bytes r-0 had beyond r-3, from r-0's own log, once", async () => {
    const watch = new LossWatch(logs);
    expect(await watch.observed(before)).toEqual([]);
    const losses = await watch.observed(after);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ member: 'r-0', bytesLost: 441 });
    expect(losses[0]!.reason).toMatch(/^r-0 had 441 bytes of writes that r-3 never received: r-3 took over r-0's history/);
    expect(await watch.observed(after)).toEqual([]);
  });

  it('a request within the continued history (a partial resync was possible) is no loss', async () => {
    const watch = new LossWatch(async (m) => (m === 'r-0' ? FOLLOWER_LOG.replace('237011013', '237010572') : PROMOTED_LOG));
    await watch.observed(before);
    expect(await watch.observed(after)).toEqual([]);
  });

  it('the same loss in both logs (a refusal line and the request) is reported once', async () => {
    const refusal =
      '27575:M 01 Dec 2026 04:48:46.925 * Replica 127.0.0.1:7000 asks for synchronization\n' +
      '27575:M 01 Dec 2026 04:48:46.925 * Partial resynchronization not accepted: Requested offset for second ID was 237011013, but I can reply up to 237010572';
    const refusedAfter = obsWith(
      { 'r-0': { role: 'replica', master: r3Id, slots: [] }, 'r-3': { role: 'master', master: undefined, slots: [[0, 5460]] } },
      { 'r-0': { replid: R3 }, 'r-3': { replid: R3, replid2: R0, secondReplOffset: 237010572, syncPartialErr: 1, syncFull: 1 } },
    );
    const watch = new LossWatch(async (m) => (m === 'r-3' ? refusal : m === 'r-0' ? FOLLOWER_LOG : ''));
    await watch.observed(before);
    const losses = await watch.observed(refusedAfter);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ member: 'r-0', bytesLost: 441 });
  });
});

describe('LossWatch: promotions Redis made on its own', () => {
  // Chaos campaign, on, seed 34: r-3 restarted, full-synced from r-0 (snapshot at 16310710),
  // and r-0 was killed 3 ms after r-3 loaded it, before it streamed what it buffered; Redis
  // then elected r-3, and r-0's extra writes were discarded when it rejoined.
  const ELECTED = [
    `31841:S 01 Dec 2026 06:55:44.898 * Full resync from master: ${R0}:16310710`,
    '31841:S 01 Dec 2026 06:55:44.957 * MASTER <-> REPLICA sync: Finished with success',
    '31841:S 01 Dec 2026 06:55:44.960 # Connection with master lost.',
    '31841:S 01 Dec 2026 06:55:47.100 # Start of election delayed for 512 milliseconds (rank #0, offset 16310710).',
    "31841:S 01 Dec 2026 06:55:47.612 # Failover election won: I'm the new master.",
  ].join('\n');
  const PLANNED = [
    `31841:S 01 Dec 2026 06:55:44.898 * Full resync from master: ${R0}:16310710`,
    '31841:S 01 Dec 2026 06:55:50.000 # Manual failover user request accepted.',
    '31841:S 01 Dec 2026 06:55:50.010 # All master replication stream processed, manual failover can start.',
    "31841:S 01 Dec 2026 06:55:50.012 # Failover election won: I'm the new master.",
  ].join('\n');
  const before = (masterOffset: number) => obsWith({}, { 'r-0': { replid: R0, offset: masterOffset }, 'r-3': { replid: R0, offset: 16310710 } });
  const promoted = obsWith(
    { 'r-0': { role: 'replica', master: 'd'.repeat(40), slots: [] }, 'r-3': { role: 'master', master: undefined, slots: [[0, 5460]] } },
    { 'r-0': { replid: R3 }, 'r-3': { replid: R3, replid2: R0, secondReplOffset: 16310711 } },
  );

  it('an election right after a full resync with nothing streamed: reported without a number, once', async () => {
    const watch = new LossWatch(async (m) => (m === 'r-3' ? ELECTED : ''));
    await watch.observed(before(16300000));
    const losses = await watch.observed(promoted);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ member: 'r-3' });
    expect(losses[0]!.bytesLost).toBeUndefined();
    expect(losses[0]!.reason).toMatch(/^Redis promoted r-3 over r-0 .*received nothing after its snapshot \(offset 16310710\) and lost its master within a second/);
    expect(await watch.observed(promoted)).toEqual([]);
  });

  it('the master was last seen ahead of where the copy was promoted: the bytes', async () => {
    const watch = new LossWatch(async () => ELECTED);
    await watch.observed(before(16311000));
    expect(await watch.observed(promoted)).toMatchObject([{ member: 'r-3', bytesLost: 290 }]);
  });

  it('a planned handover (manual failover without FORCE) is no loss', async () => {
    const watch = new LossWatch(async () => PLANNED);
    await watch.observed(before(16311000));
    expect(await watch.observed(promoted)).toEqual([]);
  });

  // The same logs as Valkey 8.0.1 writes them: `primary` where Redis says `master`
  // (replication.c, networking.c, cluster_legacy.c), and the client named in a manual failover.
  const valkey = (log: string) =>
    log
      .replaceAll('Full resync from master:', 'Full resync from primary:')
      .replaceAll('MASTER <-> REPLICA sync', 'PRIMARY <-> REPLICA sync')
      .replaceAll('Connection with master lost.', 'Connection with primary lost.')
      .replaceAll("I'm the new master.", "I'm the new primary.")
      .replaceAll('Manual failover user request accepted.', "Manual failover user request accepted (user request from 'id=7 addr=127.0.0.1:50000').");

  it('Valkey 8 (primary for master): the election right after a full resync is reported; its snapshot is read', async () => {
    expect(valkey(ELECTED)).not.toContain('master');
    expect(lastFullResync(valkey(ELECTED))).toMatchObject({ replid: R0, offset: 16310710, linkedMs: 3 });
    const watch = new LossWatch(async (m) => (m === 'r-3' ? valkey(ELECTED) : ''));
    await watch.observed(before(16300000));
    expect(await watch.observed(promoted)).toMatchObject([{ member: 'r-3' }]);
  });

  it('Valkey 8: a planned handover is no loss; a takeover after it (Redis 7.2 and Valkey name the client) is not planned', async () => {
    const watch = new LossWatch(async () => valkey(PLANNED));
    await watch.observed(before(16311000));
    expect(await watch.observed(promoted)).toEqual([]);
    expect(lastPromotionWasPlanned(valkey(PLANNED))).toBe(true);
    const takeover = `${PLANNED}\n31841:S 01 Dec 2026 06:56:10.000 # Taking over the master (user request from 'id=9 addr=127.0.0.1:50001').`;
    expect(lastPromotionWasPlanned(takeover)).toBe(false);
    expect(lastPromotionWasPlanned(valkey(takeover).replace('Taking over the master', 'Taking over the primary'))).toBe(false);
  });
});

describe('LossWatch: a forced promotion', () => {
  const A = 'a'.repeat(40);
  // r-0 (master of r-3) seen streaming to r-3, then r-3 promoted over it.
  function seen(streaming: boolean, masterOffset: number): Observation {
    return obsWith(
      {},
      {
        'r-0': {
          replid: R0,
          offset: masterOffset,
          replicas: streaming ? [{ host: '127.0.0.1', port: 7003, state: 'online', offset: masterOffset, lagSeconds: 0 }] : [],
        },
        'r-3': { replid: R0, offset: 1000 },
      },
    );
  }
  const promoted = obsWith({}, { 'r-3': { replid: R0, offset: 1000 } });

  it('reports nothing when the master was last seen streaming to the copy and not ahead of it', async () => {
    const watch = new LossWatch();
    await watch.observed(seen(true, 1000));
    expect(await watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE')).toBeUndefined();
  });

  it('sized by bytes only (a crash failover): fewer keys on the copy (deleted or expired since) are no loss', async () => {
    const watch = new LossWatch();
    const before = seen(true, 1000);
    before.members.find((m) => m.name === 'r-0')!.node!.keys = 50;
    await watch.observed(before);
    expect(await watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE', 'bytes')).toBeUndefined();
    expect(await watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE')).toMatchObject({ keysLost: 50 });
  });

  it('Redis did not fail over and the master was never seen serving: reported without a number', async () => {
    const watch = new LossWatch();
    const loss = await watch.promotedOver(promoted, 'r-3', A, 'FAILOVER TAKEOVER');
    expect(loss).toMatchObject({ member: 'r-3' });
    expect(loss!.keysLost).toBeUndefined();
    expect(loss!.reason).toMatch(/does not follow the history the master was last seen serving/);
  });

  it('the copy received nothing after its full-resync snapshot: reported without a number; after a partial resync it is not', async () => {
    const synced = `9:S 01 Dec 2026 04:50:58.760 * Full resync from master: ${R0}:1000\n9:S 01 Dec 2026 04:50:58.771 * MASTER <-> REPLICA sync: Finished with success\n9:S 01 Dec 2026 04:50:58.779 # Connection with master lost.`;
    const watch = new LossWatch(async () => synced);
    await watch.observed(seen(true, 900));
    const loss = await watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE over its emptied master', 'bytes');
    expect(loss).toMatchObject({ member: 'r-3' });
    expect(loss!.bytesLost).toBeUndefined();
    expect(loss!.reason).toMatch(/received nothing after its snapshot \(offset 1000\) and lost the master 8 ms after loading it/);
    const partial = new LossWatch(async () => `${synced}\n9:S 01 Dec 2026 04:51:00.001 * Successful partial resynchronization with master.`);
    await partial.observed(seen(true, 900));
    expect(await partial.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE', 'bytes')).toBeUndefined();
    // Linked for 20 s after loading it and nothing streamed: an idle master, nothing lost.
    const idle = new LossWatch(async () => synced.replace('04:50:58.779', '04:51:18.779'));
    await idle.observed(seen(true, 900));
    expect(await idle.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE', 'bytes')).toBeUndefined();
    // Streamed past its snapshot: the copy was following the master.
    const streamed = new LossWatch(async () => synced.replace(':1000', ':400'));
    await streamed.observed(seen(true, 900));
    expect(await streamed.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE', 'bytes')).toBeUndefined();
  });

  it('reports the bytes the master was last seen ahead of the copy in the same history', async () => {
    const watch = new LossWatch();
    await watch.observed(seen(true, 1500));
    expect(await watch.promotedOver(promoted, 'r-3', A, 'FAILOVER FORCE')).toMatchObject({ member: 'r-3', bytesLost: 500 });
  });
});

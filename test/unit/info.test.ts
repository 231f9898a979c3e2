import { describe, expect, it } from 'vitest';
import { parseInfo, parseReplicationInfo } from '../../src/topology/info.js';

// INFO replies as Redis 7.0.15 sends them: CRLF line endings, "# Section" headers.
// Captured from a small local cluster (ports 46100-46104), trimmed to the fields that matter.
const crlf = (...lines: string[]) => lines.join('\r\n') + '\r\n';

const REPLID = 'ca318f03acca91b5715b0e2f556c324205b71141';
const NEW_REPLID = '94ec7745a6f10c4854d815af9d2fbff4a3e7abd5';
const ZEROS = '0'.repeat(40);

const MASTER_TWO_REPLICAS = crlf(
  '# Replication',
  'role:master',
  'connected_slaves:2',
  'slave0:ip=127.0.0.1,port=46103,state=online,offset=28,lag=1',
  'slave1:ip=127.0.0.1,port=46104,state=wait_bgsave,offset=0,lag=0',
  'master_failover_state:no-failover',
  `master_replid:${REPLID}`,
  `master_replid2:${ZEROS}`,
  'master_repl_offset:28',
  'second_repl_offset:-1',
  'repl_backlog_active:1',
);

const REPLICA_UP = crlf(
  '# Replication',
  'role:slave',
  'master_host:127.0.0.1',
  'master_port:46100',
  'master_link_status:up',
  'master_last_io_seconds_ago:2',
  'master_sync_in_progress:0',
  'slave_read_repl_offset:14',
  'slave_repl_offset:14',
  'slave_priority:100',
  'connected_slaves:0',
  `master_replid:${REPLID}`,
  `master_replid2:${ZEROS}`,
  'master_repl_offset:14',
  'second_repl_offset:-1',
);

// The old master, demoted after a manual failover, with its new master killed;
// read with INFO replication stats as observe.ts does (Stats comes first).
const REPLICA_DOWN_WITH_STATS = crlf(
  '# Stats',
  'sync_full:2',
  'sync_partial_ok:1',
  'sync_partial_err:2',
  'expired_keys:0',
  '',
  '# Replication',
  'role:slave',
  'master_host:127.0.0.1',
  'master_port:46104',
  'master_link_status:down',
  'master_last_io_seconds_ago:-1',
  'master_sync_in_progress:0',
  'slave_read_repl_offset:42',
  'slave_repl_offset:42',
  'master_link_down_since_seconds:10',
  'connected_slaves:1',
  'slave0:ip=127.0.0.1,port=46103,state=online,offset=42,lag=1',
  `master_replid:${NEW_REPLID}`,
  `master_replid2:${REPLID}`,
  'master_repl_offset:42',
  'second_repl_offset:29',
);

// The promoted replica: it continues the old history up to offset 29.
const PROMOTED = crlf(
  '# Replication',
  'role:master',
  'connected_slaves:1',
  'slave0:ip=127.0.0.1,port=46100,state=online,offset=0,lag=1',
  `master_replid:${NEW_REPLID}`,
  `master_replid2:${REPLID}`,
  'master_repl_offset:28',
  'second_repl_offset:29',
);

describe('parseInfo', () => {
  it('reads key:value lines, skips headers and blank lines, strips CR', () => {
    const m = parseInfo(REPLICA_DOWN_WITH_STATS);
    expect(m.get('role')).toBe('slave');
    expect(m.get('sync_partial_err')).toBe('2');
    expect(m.has('# Stats')).toBe(false);
    expect([...m.keys()].some((k) => k.includes('\r') || k.startsWith('#'))).toBe(false);
    expect([...m.values()].some((v) => v.endsWith('\r'))).toBe(false);
  });

  it('splits at the first colon only, so values keep theirs', () => {
    const m = parseInfo('executable:/usr/bin/redis-server\r\nslave0:ip=::1,port=7001,state=online,offset=5,lag=0\r\n');
    expect(m.get('executable')).toBe('/usr/bin/redis-server');
    expect(m.get('slave0')).toBe('ip=::1,port=7001,state=online,offset=5,lag=0');
  });

  it('keeps an empty value and ignores a line without a key', () => {
    const m = parseInfo('config_file:\n:nokey\n');
    expect(m.get('config_file')).toBe('');
    expect(m.size).toBe(1);
  });
});

describe('parseReplicationInfo', () => {
  it('master with two replicas: one entry per slaveN line, its offset, no replica fields', () => {
    const r = parseReplicationInfo(MASTER_TWO_REPLICAS);
    expect(r.role).toBe('master');
    expect(r.offset).toBe(28);
    expect(r.replicas).toEqual([
      { host: '127.0.0.1', port: 46103, state: 'online', offset: 28, lagSeconds: 1 },
      { host: '127.0.0.1', port: 46104, state: 'wait_bgsave', offset: 0, lagSeconds: 0 },
    ]);
    expect(r.masterHost).toBeUndefined();
    expect(r.masterLinkUp).toBeUndefined();
  });

  it('does not take connected_slaves or other slave_* keys for a replica entry', () => {
    // connected_slaves, slave_repl_offset and slave_priority start with "slave" but are not slaveN.
    expect(parseReplicationInfo(REPLICA_UP).replicas).toEqual([]);
  });

  it('replica with its link up: master address, link up, last io, slave_repl_offset', () => {
    const r = parseReplicationInfo(REPLICA_UP);
    expect(r).toMatchObject({
      role: 'replica',
      masterHost: '127.0.0.1',
      masterPort: 46100,
      masterLinkUp: true,
      syncInProgress: false,
      masterLastIoSecondsAgo: 2,
      offset: 14,
    });
    // Absent while the link is up.
    expect(r.masterLinkDownSinceSeconds).toBeUndefined();
  });

  it('replica with its link down: link down, down-since seconds, last io -1, its own replicas', () => {
    const r = parseReplicationInfo(REPLICA_DOWN_WITH_STATS);
    expect(r).toMatchObject({
      role: 'replica',
      masterPort: 46104,
      masterLinkUp: false,
      masterLinkDownSinceSeconds: 10,
      masterLastIoSecondsAgo: -1,
      offset: 42,
    });
    // A chained replica follows it.
    expect(r.replicas).toEqual([{ host: '127.0.0.1', port: 46103, state: 'online', offset: 42, lagSeconds: 1 }]);
  });

  it('reads master_link_down_since_seconds:-1 (never connected) as -1, and a sync in progress', () => {
    const r = parseReplicationInfo(crlf('role:slave', 'master_link_status:down', 'master_sync_in_progress:1', 'master_link_down_since_seconds:-1'));
    expect(r.masterLinkDownSinceSeconds).toBe(-1);
    expect(r.syncInProgress).toBe(true);
    expect(r.masterLinkUp).toBe(false);
  });

  it('history never promoted: replid set, replid2 of all zeros gives no replid2 and no second offset', () => {
    const r = parseReplicationInfo(MASTER_TWO_REPLICAS);
    expect(r.replid).toBe(REPLID);
    expect(r).not.toHaveProperty('replid2');
    expect(r).not.toHaveProperty('secondReplOffset');
  });

  it('history after a promotion: replid2 and second_repl_offset on the new master and on its replica', () => {
    expect(parseReplicationInfo(PROMOTED)).toMatchObject({ role: 'master', replid: NEW_REPLID, replid2: REPLID, secondReplOffset: 29, offset: 28 });
    expect(parseReplicationInfo(REPLICA_DOWN_WITH_STATS)).toMatchObject({ role: 'replica', replid: NEW_REPLID, replid2: REPLID, secondReplOffset: 29 });
  });

  it('reads sync_partial_err from an INFO stats section in the same text, and leaves it out when absent', () => {
    expect(parseReplicationInfo(REPLICA_DOWN_WITH_STATS).syncPartialErr).toBe(2);
    expect(parseReplicationInfo(crlf('# Stats', 'sync_partial_err:0', '# Replication', 'role:master')).syncPartialErr).toBe(0);
    expect(parseReplicationInfo(MASTER_TWO_REPLICAS)).not.toHaveProperty('syncPartialErr');
  });

  it('gives the same result for LF and CRLF endings', () => {
    for (const text of [MASTER_TWO_REPLICAS, REPLICA_UP, REPLICA_DOWN_WITH_STATS, PROMOTED]) {
      expect(parseReplicationInfo(text.replace(/\r\n/g, '\n'))).toEqual(parseReplicationInfo(text));
    }
  });
});

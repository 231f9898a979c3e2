import { describe, expect, it } from 'vitest';
import { bootstrapChanges } from '../../src/ops/bootstrap-settings.js';
import { type NodeSettings, settingProblems } from '../../src/plan/create-settings.js';
import { type ReplicaWaitFacts, explainReplicaWait } from '../../src/plan/replica-wait.js';

const node = (port: number, s: Partial<NodeSettings> = {}): NodeSettings => ({
  node: `127.0.0.1:${port}`,
  requirepass: false,
  masterauth: false,
  masteruser: '',
  minReplicasToWrite: 0,
  ...s,
});

describe('settingProblems: settings that would make a new cluster unhealthy', () => {
  it('none on nodes with Redis defaults, or with requirepass and masterauth', () => {
    expect(settingProblems([node(1), node(2), node(3)], 1, false)).toEqual([]);
    expect(
      settingProblems(
        [1, 2, 3].map((p) => node(p, { requirepass: true, masterauth: true })),
        1,
        true,
      ),
    ).toEqual([]);
  });

  it('each node lacking masterauth behind a password, by name', () => {
    const p = settingProblems([node(1, { requirepass: true, masterauth: true }), node(2, { requirepass: true }), node(3, { masterauth: true })], 0, true);
    expect(p).toEqual([
      '127.0.0.1:2: requirepass is set but masterauth is not: as a replica it could never authenticate to its master (set masterauth to the password on every node)',
    ]);
  });

  it('a node without requirepass or masterauth among protected nodes', () => {
    const p = settingProblems([node(1, { requirepass: true, masterauth: true }), node(2)], 0, false);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^127\.0\.0\.1:2: masterauth is not set, but the nodes require a password \(requirepass on 127\.0\.0\.1:1\)/);
  });

  it('min-replicas-to-write above the replicas per master; equal is allowed', () => {
    expect(settingProblems([node(1, { minReplicasToWrite: 1 })], 1, false)).toEqual([]);
    expect(settingProblems([node(1, { minReplicasToWrite: 2 })], 1, false)).toEqual([
      '127.0.0.1:1: min-replicas-to-write is 2 but each master gets 1 replica(s): as a master it would refuse every write',
    ]);
  });
});

describe('bootstrapChanges', () => {
  const current = (timeout: string, delay: string) =>
    new Map([
      ['cluster-node-timeout', timeout],
      ['cluster-replica-no-failover', 'no'],
      ['repl-diskless-sync-delay', delay],
    ]);
  it('masters: short timeout without failover, and no sync delay', () => {
    expect(bootstrapChanges(current('15000', '5'), true)).toEqual([
      ['cluster-replica-no-failover', 'yes'],
      ['cluster-node-timeout', '500'],
      ['repl-diskless-sync-delay', '0'],
    ]);
  });
  it('replicas keep their sync delay; nothing changes on nodes already as wanted', () => {
    expect(bootstrapChanges(current('15000', '5'), false)).toEqual([
      ['cluster-replica-no-failover', 'yes'],
      ['cluster-node-timeout', '500'],
    ]);
    expect(bootstrapChanges(current('500', '0'), true)).toEqual([]);
  });
});

describe('explainReplicaWait', () => {
  const base: ReplicaWaitFacts = { replica: '127.0.0.1:4', master: '127.0.0.1:1', linkUp: false, syncInProgress: true };
  it('credentials the master refuses come first, with the replica log', () => {
    const c = explainReplicaWait({
      ...base,
      authRefusal: 'WRONGPASS invalid username-password pair',
      replicaLog: 'Unable to AUTH to MASTER',
      masterLog: 'unrelated',
    });
    expect(c.reason).toBe('its master 127.0.0.1:1 refuses its credentials (masteruser/masterauth): WRONGPASS invalid username-password pair; its log: "Unable to AUTH to MASTER"');
    expect(c.hint).toMatch(/masterauth/);
  });
  it('a master whose snapshots fail, with the master log', () => {
    const c = explainReplicaWait({
      ...base,
      stateAtMaster: 'wait_bgsave',
      masterLastBgsaveFailed: true,
      masterBgsaveInProgress: true,
      masterDisklessSync: false,
      masterLog: 'Failed opening the temp RDB file',
    });
    expect(c.reason).toMatch(
      /^its master 127\.0\.0\.1:1 cannot produce the snapshot for the sync: its background saves fail \(rdb_last_bgsave_status:err; with repl-diskless-sync no/,
    );
    expect(c.reason).toMatch(/127\.0\.0\.1:1's log: "Failed opening the temp RDB file"$/);
    expect(c.hint).toMatch(/repl-diskless-sync yes/);
  });
  it('a diskless sync delay', () => {
    const c = explainReplicaWait({ ...base, stateAtMaster: 'wait_bgsave', masterDisklessSync: true, masterSyncDelaySeconds: 5 });
    expect(c.reason).toBe('its master 127.0.0.1:1 delays the sync by repl-diskless-sync-delay 5 s');
  });
  it('a replica that never reached its master', () => {
    const c = explainReplicaWait({ ...base, syncInProgress: false, linkDownSinceSeconds: -1 });
    expect(c.reason).toBe('it has not reached its master 127.0.0.1:1: it never connected, and the master does not list it as a replica');
    expect(c.hint).not.toMatch(/bus port/);
  });
});

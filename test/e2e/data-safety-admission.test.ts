/**
 * Issue 12, the invariant: a member that restarts without its data never serves
 * replication or slots for it. Two members crash together (persistence off), so the
 * supervisor's crash failover stands aside (it acts on lone exits only) and the master
 * restarts in place, empty, with its old node id and address. It starts closed (its
 * replica cannot sync from it, clients are refused); the controller promotes the replica
 * that holds the copy, the empty node rejoins as its replica, syncs, and is admitted.
 * Before admission existed, the replica full-synced the empty master: the shard was lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeys, lostKeys } from '../support/key-set.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

const KEYS = 20_000;

describe('members that restart without their data, persistence off', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'admit-off', extraSpec: '  persistence: {enabled: false}' });
    const s = await h.upReady();
    await loadKeys({ host: '127.0.0.1', port: Number(s.members[0]!.address.split(':')[1]) }, KEYS, { password: await h.password() });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const synced = (s: StatusJson) => h.ready(s) && s.members.filter((m) => m.role === 'replica').every((r) => r.keys === s.members.find((m) => m.name === r.master)?.keys);

  it("a master and another shard's replica crash together: the master restarts closed, its replica is promoted, it rejoins and is admitted; 0 of 20,000 keys lost", async () => {
    const before = await h.waitFor('replicas in sync', synced);
    const victim = before.members.find((m) => m.role === 'master')!;
    const copy = before.members.find((m) => m.role === 'replica' && m.master === victim.name)!;
    const other = before.members.find((m) => m.role === 'replica' && m.master !== victim.name)!;
    expect(copy).toBeDefined();
    expect(other).toBeDefined();
    const eventsBefore = (await h.events()).length;

    process.kill(h.member(before, victim.name).pid!, 'SIGKILL');
    process.kill(h.member(before, other.name).pid!, 'SIGKILL');

    const after = await h.waitFor('Ready with the old master back as a replica', (s) => synced(s) && h.member(s, victim.name).role === 'replica', 60_000);
    expect(h.member(after, copy.name).role).toBe('master');
    const client = await h.client(after);
    try {
      expect(await lostKeys(client, KEYS)).toEqual([]);
    } finally {
      client.disconnect();
    }
    const events = (await h.events()).slice(eventsBefore);
    expect(events.filter((e) => e.reason === 'CrashFailover')).toEqual([]);
    expect(events.filter((e) => e.reason === 'Started' && e.member === victim.name && /starting closed/.test(e.message))).toHaveLength(1);
    expect(events.filter((e) => e.reason === 'PromoteCopy').map((e) => e.member)).toEqual([copy.name]);
    expect(events.filter((e) => e.reason === 'Admit').map((e) => e.member)).toEqual([victim.name]);
    expect(events.filter((e) => e.reason === 'DataLoss')).toEqual([]);
  });
});

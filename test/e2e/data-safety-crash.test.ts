/**
 * Issue 12, paths 2 and 3: with persistence off, a master whose process dies comes
 * back empty. Restarted in place with its node id and address, its replica used to
 * full-sync from it and flush the shard (a third of the keys lost, Ready 3 s later).
 * Now the supervisor promotes the replica the moment it sees the exit, and the member
 * rejoins as its replica: not one key is lost, for a crash in place, a `rck kill`
 * (new address) and a kill that also loses the volume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeys, lostKeys } from '../support/key-set.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

const KEYS = 20_000;

describe('a master dies, persistence off', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'crash-off', extraSpec: '  persistence: {enabled: false}' });
    const s = await h.upReady();
    await loadKeys({ host: '127.0.0.1', port: Number(s.members[0]!.address.split(':')[1]) }, KEYS, { password: await h.password() });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  /** Every replica holds exactly its master's keys (the shard's copy is complete). */
  const synced = (s: StatusJson) => h.ready(s) && s.members.filter((m) => m.role === 'replica').every((r) => r.keys === s.members.find((m) => m.name === r.master)?.keys);

  const cases: Array<[string, (s: StatusJson, victim: string) => Promise<void>]> = [
    ['its redis-server crashes (SIGKILL) and restarts in place', async (s, victim) => void process.kill(h.member(s, victim).pid!, 'SIGKILL')],
    ['rck kill (a deleted pod: back on a new address)', async (_s, victim) => void (await h.ok(['kill', victim, '--name', h.name]))],
    ['rck kill --lose-volume (the pod and its volume deleted)', async (_s, victim) => void (await h.ok(['kill', victim, '--lose-volume', '--name', h.name]))],
  ];

  for (const [title, fault] of cases) {
    it(`${title}: its replica is promoted, the member rejoins as a replica, 0 of 20,000 keys lost`, async () => {
      const before = await h.waitFor('replicas in sync', synced);
      const victim = before.members.find((m) => m.role === 'master')!;
      const replica = before.members.find((m) => m.role === 'replica' && m.master !== undefined && m.master === victim.name)!;
      expect(replica).toBeDefined();
      const eventsBefore = (await h.events()).length;

      await fault(before, victim.name);
      const after = await h.waitFor(
        'Ready with the old master back as a replica',
        (s) => h.ready(s) && h.member(s, victim.name).role === 'replica' && h.member(s, victim.name).up,
        60_000,
      );
      expect(h.member(after, replica.name).role).toBe('master');
      const client = await h.client(after);
      try {
        expect(await lostKeys(client, KEYS)).toEqual([]);
      } finally {
        client.disconnect();
      }
      const events = (await h.events()).slice(eventsBefore);
      expect(events.filter((e) => e.reason === 'CrashFailover').map((e) => e.member)).toEqual([replica.name]);
      expect(events.filter((e) => e.reason === 'DataLoss')).toEqual([]);
    });
  }
});

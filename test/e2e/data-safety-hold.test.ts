/**
 * Issue 12, persistence on: a master dies while its only replica is behind (here: in the
 * middle of a full resync, held there by the master's diskless-sync delay). The master's
 * AOF has every acknowledged write; the replica does not. With
 * cluster-replica-validity-factor 0 Redis elects the replica anyway after the node
 * timeout, and the master, back from its AOF, full-syncs from it and drops those writes
 * (what the chaos campaign's seed 34 hit by timing). The supervisor now holds the
 * replica's failover off while the master restarts (HoldFailover), and ends the hold once
 * the replica follows it again in sync (HoldFailoverEnded): every acknowledged write
 * survives, and nothing is reported lost because nothing was.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

const WRITES = 500;

describe('a master dies while its replica is behind, persistence on', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'hold-on', redisConfig: { 'cluster-replica-validity-factor': 0 } });
    await h.upReady();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const port = (s: StatusJson, member: string) => Number(h.member(s, member).address.split(':')[1]);
  const connect = async (s: StatusJson, member: string) => new Redis({ host: '127.0.0.1', port: port(s, member), password: await h.password(), lazyConnect: true });

  const cases: Array<[string, (s: StatusJson, victim: string) => Promise<void>]> = [
    ['rck kill (back on a new address)', async (_s, victim) => void (await h.ok(['kill', victim, '--name', h.name]))],
    ['its redis-server crashes (SIGKILL) and restarts in place', async (s, victim) => void process.kill(h.member(s, victim).pid!, 'SIGKILL')],
  ];

  for (const [round, [title, fault]] of cases.entries()) {
    it(`${title}: the replica's failover is held until the master is back from its AOF; ${WRITES} of ${WRITES} acknowledged writes survive`, async () => {
      const before = await h.waitFor('Ready with every member up', (s) => h.ready(s) && s.members.every((m) => m.up));
      const victim = before.members.find((m) => m.role === 'master')!;
      const replica = before.members.find((m) => m.role === 'replica' && m.master === victim.name)!;
      expect(replica).toBeDefined();
      const eventsBefore = (await h.events()).length;

      // The replica's next full resync waits 60 s for the master's snapshot: it stays behind.
      const master = await connect(before, victim.name);
      let tag = '';
      try {
        await master.config('SET', 'repl-diskless-sync', 'yes');
        await master.config('SET', 'repl-diskless-sync-delay', '60');
        process.kill(replica.pid!, 'SIGKILL');
        await h.waitFor(`${replica.name} restarted and waiting for its full resync`, async (s) => {
          const m = h.member(s, replica.name);
          if (!m.up || m.pid === replica.pid) return false;
          return /slave\d+:.*state=wait_bgsave/.test(String(await master.info('replication')));
        });
        // Acknowledged writes to the master's own slots, which the replica will not have.
        tag = await tagServedBy(master);
        for (let i = 0; i < WRITES; i++) expect(await master.set(`{${tag}}:held:${round}:${i}`, `v${i}`)).toBe('OK');
      } finally {
        master.disconnect();
      }

      await fault(before, victim.name);
      const after = await h.waitFor('Ready with every member up again', (s) => h.ready(s) && s.members.every((m) => m.up), 60_000);
      const client = await h.client(after);
      try {
        const values = await Promise.all(Array.from({ length: WRITES }, (_, i) => client.get(`{${tag}}:held:${round}:${i}`)));
        const lost = values.map((v, i) => (v === `v${i}` ? undefined : i)).filter((i) => i !== undefined);
        expect(lost, `acknowledged writes lost on ${victim.name}'s shard`).toEqual([]);
      } finally {
        client.disconnect();
      }
      const events = (await h.events()).slice(eventsBefore);
      expect(events.filter((e) => e.reason === 'HoldFailover').map((e) => e.member)).toEqual([victim.name]);
      expect(events.filter((e) => e.reason === 'HoldFailoverEnded').map((e) => e.member)).toEqual([victim.name]);
      expect(events.filter((e) => e.reason === 'DataLoss')).toEqual([]);
      // The hold is over: the replica may be elected by Redis again.
      const r = await connect(after, replica.name);
      try {
        expect(await r.config('GET', 'cluster-replica-no-failover')).toEqual(['cluster-replica-no-failover', 'no']);
      } finally {
        r.disconnect();
      }
    });
  }
});

/** A hash tag whose slot the node serves (CLUSTER KEYSLOT against its own slot ranges). */
async function tagServedBy(node: Redis): Promise<string> {
  const nodes = String(await node.call('CLUSTER', 'NODES'));
  const mine = nodes.split('\n').find((l) => l.split(' ')[2]?.includes('myself'))!;
  const ranges = mine
    .split(' ')
    .slice(8)
    .filter((r) => !r.startsWith('['))
    .map((r) => r.split('-').map(Number) as [number, number?]);
  for (let i = 0; ; i++) {
    const slot = Number(await node.call('CLUSTER', 'KEYSLOT', `t${i}`));
    if (ranges.some(([a, b]) => slot >= a && slot <= (b ?? a))) return `t${i}`;
  }
}

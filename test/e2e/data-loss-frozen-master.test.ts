/**
 * Issue 12, the loss Redis forces and the keeper reports: a master frozen (SIGSTOP)
 * past the node timeout is failed over by Redis itself. Writes that were waiting in
 * its socket are executed and acknowledged the moment it resumes, before it learns it
 * was replaced; it then rejoins as a replica of the promoted node, whose history stops
 * short of those writes, and Redis discards them with a full resync (asynchronous
 * replication: no copy of them exists anywhere else). The keeper cannot prevent it;
 * it must report it: a DataLoss event with the bytes of writes discarded.
 */
import { connect } from 'node:net';
import calculateSlot from 'cluster-key-slot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

const WRITES = 40;

describe('a master frozen past the node timeout', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'frozen' });
    await h.upReady();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const synced = (s: StatusJson) =>
    h.ready(s) && s.members.filter((m) => m.role === 'replica').every((r) => r.linkUp && r.keys === s.members.find((m) => m.name === r.master)?.keys);

  it(`acknowledges ${WRITES} writes as it resumes that Redis then discards; a DataLoss event reports the bytes`, async () => {
    const before = await h.waitFor('replicas in sync', synced);
    const victim = before.members.find((m) => m.role === 'master')!;
    const copy = before.members.find((m) => m.role === 'replica' && m.master === victim.name)!;
    const key = await keyOwnedBy(h, before, victim.name);
    const eventsBefore = (await h.events()).length;

    // An authenticated connection to the master, opened before the freeze.
    const [host, port] = victim.address.split(':') as [string, string];
    const sock = connect({ host, port: Number(port) });
    let replies = '';
    sock.on('data', (d) => (replies += d.toString()));
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    const password = await h.password();
    sock.write(resp('AUTH', password));
    await until(() => replies.includes('+OK\r\n'), 5_000, 'AUTH');
    replies = '';

    const pid = h.member(before, victim.name).pid!;
    process.kill(pid, 'SIGSTOP');
    let resumed = false;
    try {
      // Queued in the frozen master's socket: it runs them as soon as it resumes.
      for (let i = 0; i < WRITES; i++) sock.write(resp('INCR', key));
      await h.waitFor('Redis to promote the replica', (s) => h.member(s, copy.name).role === 'master', 30_000);
      process.kill(pid, 'SIGCONT');
      resumed = true;
    } finally {
      if (!resumed) process.kill(pid, 'SIGCONT');
    }
    await until(() => (replies.match(/\r\n/g) ?? []).length >= WRITES, 10_000, `${WRITES} replies`);
    sock.destroy();
    const acked = (replies.match(/^:\d+\r$/gm) ?? []).length;
    console.log(`frozen master ${victim.name}: ${acked} of ${WRITES} INCRs acknowledged after it resumed`);
    expect(acked).toBe(WRITES);

    const after = await h.waitFor('Ready with the frozen master back as a replica', (s) => synced(s) && h.member(s, victim.name).role === 'replica', 60_000);
    const value = Number((await h.redisCli(after, copy.name, 'GET', key)) || 0);
    expect(value).toBe(0); // every acknowledged write was discarded: the loss is Redis's

    const loss = await until(async () => (await h.events()).slice(eventsBefore).filter((e) => e.reason === 'DataLoss'), 10_000, 'a DataLoss event');
    if (loss.length !== 1) console.log(JSON.stringify(loss, null, 1));
    expect(loss).toHaveLength(1);
    expect(loss[0]!.member).toBe(victim.name);
    // Each INCR is `*2 $4 INCR $<len> <key>` in the replication stream; Redis may put a
    // SELECT 0 (23 bytes) before the first and a replication PING (14 bytes) among them.
    const bytes = WRITES * resp('INCR', key).length;
    const reported = Number(/had (\d+) bytes of writes/.exec(loss[0]!.message)?.[1]);
    expect(reported).toBeGreaterThanOrEqual(bytes);
    expect(reported).toBeLessThanOrEqual(bytes + 23 + 14);
    const status = await h.status();
    expect(status.conditions.find((c) => c.type === 'DataLoss')?.status).toBe('True');
  });
});

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** A key in a slot the member owns. */
async function keyOwnedBy(h: LocalClusterHarness, s: StatusJson, member: string): Promise<string> {
  const nodes = await h.redisCli(s, member, 'CLUSTER', 'NODES');
  const self = nodes.split('\n').find((l) => l.includes('myself'))!;
  const [start, end] = self
    .split(' ')
    .slice(8)
    .find((r) => /^\d+(-\d+)?$/.test(r))!
    .split('-')
    .map(Number) as [number, number?];
  for (let i = 0; ; i++) {
    const slot = calculateSlot(`frozen-${i}`);
    if (slot >= start && slot <= (end ?? start)) return `frozen-${i}`;
  }
}

async function until<T>(f: () => T | Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v && !(Array.isArray(v) && v.length === 0)) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

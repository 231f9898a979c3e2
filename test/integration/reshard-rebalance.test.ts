import { cliBinary } from '../support/engine.js';
import calculateSlot from 'cluster-key-slot';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { runCommand, runRck } from '../support/rck.js';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import { type ScaleCluster, addSpareMaster, nodeId, scaleCluster, slotsOf } from '../support/scale.js';
import { cleanReport, verifyKeys } from '../support/verify-keys.js';

let clusters: ScaleCluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  clusters = [];
});

async function cluster(masters: number, replicas: number, spare: number, keys: number, password?: string): Promise<ScaleCluster> {
  const c = await scaleCluster(masters, replicas, spare, keys, { password });
  clusters.push(c);
  return c;
}

async function expectHealthy(c: ScaleCluster): Promise<void> {
  await expect.poll(async () => (await runRck(['check', c.seed])).code, { timeout: 15_000, interval: 200 }).toBe(0);
  expect((await runCommand(cliBinary(), ['--cluster', 'check', c.seed])).code).toBe(0);
}

describe('rck reshard', () => {
  it('moves a number of slots from all masters, then an explicit slot list, keeping every key', async () => {
    const c = await cluster(3, 0, 0, 3000);
    const [m0, m1] = c.set.addresses as [string, string];
    const before = await slotsOf(m0);
    const r = await runRck(['reshard', c.seed, '--to', m0, '--slots', '1000', '--yes', '--batch-slots', '50']);
    expect(r.stderr).not.toMatch(/^rck:/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Plan: move 1000 slot\(s\)/);
    expect(r.stdout).toMatch(/OK: moved 1000 slot\(s\)/);
    expect(await slotsOf(m0)).toBe(before + 1000);

    // The slots of m0 in the middle of m1's range: moved from m1 only, by id prefix.
    const id1 = (await nodeId(m1)).slice(0, 10);
    const list = await runRck(['reshard', c.seed, '--to', id1, '--slot-list', '0-9,100', '--yes', '--json']);
    expect(list.code).toBe(0);
    const out = JSON.parse(list.stdout);
    expect(out.plan).toEqual([expect.objectContaining({ fromAddress: m0, toAddress: m1, count: 11, slots: '0-9,100' })]);
    expect(out).toMatchObject({ applied: true, slotsMoved: 11, keysMoved: out.keysPlanned });

    await expectHealthy(c);
    expect(await verifyKeys(c.all(), c.expected)).toEqual(cleanReport(3000));
  });

  it('moves a slot holding more keys than one round in several rounds, resuming inside the slot', async () => {
    const c = await cluster(3, 0, 0, 0);
    const slot = calculateSlot('{t}');
    const owner = Math.floor(slot / 5462); // 3 masters: 0-5460, 5461-10922, 10923-16383 (MSET below says MOVED if not)
    const w = c.set.client(owner);
    onTestFinished(() => w.disconnect());
    for (let i = 0; i < 500; i++) c.expected.set(`{t}k${i}`, `v${i}`);
    await w.mset(...[...c.expected].flat());
    const target = c.set.addresses[(owner + 1) % 3]!;
    // 7 keys a round: 72 rounds for the one slot, each resuming where the last stopped.
    const r = await runRck(['reshard', c.seed, '--to', target, '--slot-list', String(slot), '--batch-keys', '7', '--yes', '--json']);
    expect(r.stderr).not.toMatch(/^rck:/m);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: true, slotsMoved: 1, keysMoved: 500 });
    expect(await verifyKeys(c.all(), c.expected)).toEqual(cleanReport(500));
    await expectHealthy(c);
  });

  it("replicas follow the scripts: after a reshard each replica holds exactly its master's keys", async () => {
    const c = await cluster(3, 1, 0, 3000);
    const r = await runRck(['reshard', c.seed, '--to', c.set.addresses[0]!, '--slots', '3000', '--yes']);
    expect(r.stderr).not.toMatch(/^rck:/m);
    const clients = c.set.nodes.map((_, i) => c.set.client(i));
    onTestFinished(() => clients.forEach((x) => x.disconnect()));
    const sortedKeys = async (i: number) => ((await clients[i]!.keys('*')) as string[]).sort();
    for (let i = 3; i < 6; i++) {
      const replica = clients[i]!;
      const masterPort = /master_port:(\d+)/.exec(await replica.info('replication'))![1];
      const m = c.set.nodes.findIndex((n) => String(n.port) === masterPort);
      // The replica has applied everything its master sent (the scripts' DELs included).
      await expect
        .poll(
          async () => {
            const offset = (text: string, field: string) => new RegExp(`${field}:(\\d+)`).exec(text)?.[1];
            return offset(await replica.info('replication'), 'slave_repl_offset') === offset(await clients[m]!.info('replication'), 'master_repl_offset');
          },
          { timeout: 10_000, interval: 50 },
        )
        .toBe(true);
      const [mine, masters] = [await sortedKeys(i), await sortedKeys(m)];
      expect(mine.length).toBe(masters.length);
      expect(mine).toEqual(masters);
    }
    expect(await verifyKeys(c.all(), c.expected)).toEqual(cleanReport(3000));
  });

  it('refuses, before changing anything, a cluster whose nodes refuse scripts', async () => {
    const c = await scaleCluster(3, 0, 0, 100, { extraArgs: ['--rename-command', 'EVAL', ''] });
    clusters.push(c);
    const before = await slotsOf(c.set.addresses[0]!);
    const r = await runRck(['reshard', c.seed, '--to', c.set.addresses[0]!, '--slots', '100', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^rck: 127\.0\.0\.1:\d+ refuses scripts \(.*unknown command.*\): rck moves slots with short Lua scripts \(EVAL\).*nothing was changed$/m);
    expect(r.stderr).not.toMatch(/hint: slots in flight/);
    expect(await slotsOf(c.set.addresses[0]!)).toBe(before);
    expect((await runRck(['check', c.seed])).code).toBe(0);
  });

  it('moves slots and keys on a cluster with a password (MIGRATE and the raw pipeline authenticate)', async () => {
    const c = await cluster(3, 0, 0, 500, 's3cret');
    const env = { RCK_PASSWORD: 's3cret' };
    // Every command goes to SLOWLOG: the password must not be among their arguments.
    const admin = [0, 1, 2].map((i) => c.set.client(i, 's3cret'));
    onTestFinished(() => admin.forEach((a) => a.disconnect()));
    for (const a of admin) await a.config('SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '100000');
    const r = await runRck(['reshard', c.seed, '--to', c.set.addresses[2]!, '--slots', '2000', '--yes', '--json'], env);
    expect(r.stderr).not.toMatch(/^rck:/m);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ applied: true, slotsMoved: 2000 });
    expect(r.stdout + r.stderr).not.toContain('s3cret');
    for (const a of admin) {
      const log = JSON.stringify(await a.call('SLOWLOG', 'GET', '-1'));
      expect(log).toContain('EVAL'); // the moves are in it
      expect(log).not.toContain('s3cret');
    }
    const status = JSON.parse((await runRck(['status', '--json', c.seed], env)).stdout);
    expect(status.keys).toBe(500);
    expect((await runRck(['check', c.seed], env)).code).toBe(0);
  });

  it('keeps binary key names, moves identical duplicates, and stops on a key that differs on both sides', async () => {
    const c = await cluster(3, 0, 0, 0);
    const [src, dst] = [c.set.client(0), c.set.client(1)];
    try {
      const dstId = (await dst.call('CLUSTER', 'MYID')) as string;
      const srcId = (await src.call('CLUSTER', 'MYID')) as string;
      const bin = Buffer.from([0x66, 0xff, 0xfe, 0x00, 0x7b, 0x62, 0x7d]); // f\xff\xfe\0{b}: not UTF-8, hashes like "b"
      const slot = Number(await src.call('CLUSTER', 'KEYSLOT', 'b'));
      expect(slot).toBeLessThanOrEqual(5460); // owned by the first master
      await src.set(bin, 'binary-value');
      await src.set('{b}same', 'x');
      await src.set('{b}differs', 'source-copy');
      // Copies already on the target (as a half-finished earlier move could leave them).
      await dst.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', srcId);
      await dst.pipeline().call('ASKING').set('{b}same', 'x').call('ASKING').set('{b}differs', 'target-copy').exec();
      await dst.call('CLUSTER', 'SETSLOT', String(slot), 'STABLE');

      const r = await runRck(['reshard', c.seed, '--to', dstId, '--slot-list', String(slot), '--yes']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/key "\{b\}differs" \(slot \d+\) exists on both .* with different values; stopped without overwriting it/);
      expect(await src.get('{b}differs')).toBe('source-copy');
      expect((await dst.pipeline().call('ASKING').get('{b}differs').exec())![1]![1]).toBe('target-copy');

      // Settle by hand as the message says (keep the source copy), then finish with rck fix.
      await dst.pipeline().call('ASKING').del('{b}differs').exec();
      const fix = await runRck(['-v', 'fix', '--yes', c.seed]);
      expect(fix.code, fix.stderr).toBe(0);
      const moved = await runRck(['reshard', c.seed, '--to', dstId, '--slot-list', String(slot), '--yes']);
      expect(moved.stdout).toMatch(/already on the target|OK/);
      expect(await dst.getBuffer(bin)).toEqual(Buffer.from('binary-value'));
      expect(await dst.get('{b}same')).toBe('x');
      expect(await dst.get('{b}differs')).toBe('source-copy');
      expect(await src.dbsize()).toBe(0);
    } finally {
      src.disconnect();
      dst.disconnect();
    }
  });

  it('refuses bad input with one line and changes nothing', async () => {
    const c = await cluster(3, 1, 0, 100);
    const replica = c.set.addresses[3]!;
    const before = await slotsOf(c.set.addresses[0]!);
    const cases: [string[], RegExp][] = [
      [['--to', replica, '--slots', '10'], /--to "127\.0\.0\.1:\d+" \(127\.0\.0\.1:\d+\) is not a master: it replicates/],
      [['--to', 'deadbeefdeadbeef', '--slots', '10'], /--to "deadbeefdeadbeef": no node of the cluster has this id/],
      [['--to', c.seed, '--slots', '0'], /--slots: invalid value "0"/],
      [['--to', c.seed, '--slots', '99999'], /invalid number of slots 99999/],
      [['--to', c.seed], /give --slots <n> or --slot-list <slots>/],
      [['--to', c.seed, '--slot-list', '5-3'], /--slot-list: invalid "5-3"/],
      [['--to', c.seed, '--slots', '10', '--from', c.seed], /cannot also be a source/],
    ];
    for (const [args, message] of cases) {
      const r = await runRck(['reshard', c.seed, '--yes', ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('rck:')),
      ).toHaveLength(1);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    }
    // Without --yes and without a terminal: refuses to run the plan.
    const noYes = await runRck(['reshard', c.seed, '--to', c.seed, '--slots', '10']);
    expect(noYes.code).not.toBe(0);
    expect(noYes.stderr).toMatch(/needs confirmation/);
    expect(await slotsOf(c.set.addresses[0]!)).toBe(before);
    expect(await verifyKeys(c.all(), c.expected)).toEqual(cleanReport(100));
  });
});

describe('rck rebalance', () => {
  it('fills an empty master while a client writes: no acknowledged write lost; then weights and the threshold', async () => {
    const c = await cluster(3, 0, 1, 4000);
    const added = c.spare.addresses[0]!;
    const addedId = await addSpareMaster(c, 0);

    // Without --use-empty-masters the new master is left out: nothing to do.
    const none = await runRck(['rebalance', c.seed, '--yes']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/No rebalancing needed/);

    const sim = await runRck(['rebalance', c.seed, '--use-empty-masters', '--simulate']);
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(/Plan: move 4096 slot\(s\)/);
    expect(await slotsOf(added)).toBe(0);

    const writer = startConsistencyWorkload({ nodes: c.set.nodes.map((n) => ({ host: n.host, port: n.port })), keys: 200, workers: 4, prefix: 'w' });
    const r = await runRck(['rebalance', c.seed, '--use-empty-masters', '--yes', '--batch-slots', '64']);
    const w = await writer.stop();
    expect(r.stderr).not.toMatch(/^rck:/m);
    expect(r.code).toBe(0);
    expect(w.lostWrites).toBe(0);
    expect(w.unreadableKeys).toBe(0);
    // Redirections (MOVED/ASK) are followed by the client; none surfaced as an error.
    expect(w.writeErrors).toBe(0);
    expect(w.writes).toBeGreaterThan(0);
    expect(await slotsOf(added)).toBe(4096);

    // Within the threshold now.
    const again = await runRck(['rebalance', c.seed, '--yes']);
    expect(again.stdout).toMatch(/No rebalancing needed: every master is within 2% of its share/);

    // Weight 2 on the new master: it should own 2/5 of the slots (redis-cli's rounding gives receivers up to 3 more).
    const weighted = await runRck(['rebalance', c.seed, '--weight', `${addedId.slice(0, 8)}=2`, '--yes', '--json']);
    expect(weighted.code).toBe(0);
    expect(JSON.parse(weighted.stdout)).toMatchObject({
      needed: true,
      applied: true,
      nodes: expect.arrayContaining([expect.objectContaining({ id: addedId, weight: 2 })]),
    });
    expect(await slotsOf(added)).toBeGreaterThanOrEqual(6553);
    expect(await slotsOf(added)).toBeLessThanOrEqual(6556);

    // A large threshold: the same imbalance is accepted.
    const lax = await runRck(['rebalance', c.seed, '--threshold', '90', '--yes']);
    expect(lax.stdout).toMatch(/No rebalancing needed/);

    await expectHealthy(c);
    const report = await verifyKeys(c.all(), c.expected);
    // The writer's own keys are there too; only ours are checked.
    expect({ ...report, total: 0, unexpected: report.unexpected.filter((k) => !k.startsWith('w:')) }).toEqual(cleanReport(0));
  });

  it('refuses bad weights and an unhealthy cluster', async () => {
    const c = await cluster(3, 0, 0, 50);
    const bad = await runRck(['rebalance', c.seed, '--weight', 'nonsense', '--yes']);
    expect(bad.stderr).toMatch(/--weight: invalid value "nonsense"/);
    const unknown = await runRck(['rebalance', c.seed, '--weight', '127.0.0.1:1=2', '--yes']);
    expect(unknown.stderr).toMatch(/no reachable node of the cluster listens at 127\.0\.0\.1:1/);
    // An open slot blocks every move until rck fix has run.
    const [a, b] = c.set.nodes.map((_, i) => c.set.client(i));
    const idA = (await a!.call('CLUSTER', 'MYID')) as string;
    await b!.call('CLUSTER', 'SETSLOT', '0', 'IMPORTING', idA);
    const open = await runRck(['rebalance', c.seed, '--weight', `${idA.slice(0, 8)}=0`, '--yes']);
    expect(open.code).not.toBe(0);
    expect(open.stderr).toMatch(/slot\(s\) 0 are open .*run rck fix first; nothing was changed/);
    a!.disconnect();
    b!.disconnect();
  });
});

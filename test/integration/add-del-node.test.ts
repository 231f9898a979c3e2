import { cliBinary } from '../support/engine.js';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { slotOf } from '../support/cluster.js';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import { runCommand, runRck } from '../support/rck.js';
import { type ScaleCluster, nodeId, scaleCluster, slotsOf } from '../support/scale.js';
import { cleanReport, verifyKeys } from '../support/verify-keys.js';

let clusters: ScaleCluster[] = [];
afterEach(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  clusters = [];
});

async function cluster(masters: number, replicas: number, spare: number, keys: number): Promise<ScaleCluster> {
  const c = await scaleCluster(masters, replicas, spare, keys);
  clusters.push(c);
  return c;
}

function client(address: string): Redis {
  const [host, port] = address.split(':') as [string, string];
  const r = new Redis({ host, port: Number(port), maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  return r;
}

async function knownBy(address: string, id: string): Promise<boolean> {
  const r = client(address);
  try {
    return ((await r.call('CLUSTER', 'NODES')) as string).includes(id);
  } finally {
    r.disconnect();
  }
}

describe('rck add-node and del-node', () => {
  it('adds a master and a replica, drains and removes the master, re-pointing its replica', async () => {
    const c = await cluster(3, 0, 2, 1000);
    const [newMaster, newReplica] = c.spare.addresses as [string, string];

    const add = await runRck(['add-node', newMaster, c.seed]);
    expect(add.stderr).not.toMatch(/^rck:/m);
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/Plan: add .* as a master/);
    const masterId = await nodeId(newMaster);
    // Known by every node at once (no gossip race for the next command).
    for (const a of c.set.addresses) expect(await knownBy(a, masterId)).toBe(true);

    const addR = await runRck(['add-node', newReplica, c.seed, '--master', newMaster, '--json']);
    expect(addR.code).toBe(0);
    expect(JSON.parse(addR.stdout)).toMatchObject({ role: 'replica', masterId });

    const fill = await runRck(['rebalance', c.seed, '--use-empty-masters', '--yes']);
    expect(fill.code).toBe(0);
    expect(await slotsOf(newMaster)).toBe(4096);

    // Refused while it owns slots (and nothing changes).
    const refused = await runRck(['del-node', c.seed, newMaster, '--yes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/owns 4096 slot\(s\): move them away first .*nothing was changed/);
    expect(await knownBy(c.seed, masterId)).toBe(true);

    // Drain it, then remove it (its replica moves to another master first), while a client writes.
    const writer = startConsistencyWorkload({ nodes: c.set.nodes.map((n) => ({ host: n.host, port: n.port })), keys: 200, workers: 4, prefix: 'w' });
    const drain = await runRck(['rebalance', c.seed, '--weight', `${newMaster}=0`, '--yes']);
    expect(drain.stderr).not.toMatch(/^rck:/m);
    expect(drain.code).toBe(0);
    // A master that gave away its last slot may have turned into a replica (cluster-allow-replica-migration).
    const del = await runRck(['del-node', c.seed, masterId.slice(0, 12), '--yes']);
    expect(del.stderr).not.toMatch(/^rck:/m);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/removed from the cluster/);
    const w = await writer.stop();
    expect(w.lostWrites).toBe(0);
    expect(w.unreadableKeys).toBe(0);
    expect(w.writes).toBeGreaterThan(0);
    for (const a of [...c.set.addresses, newReplica]) expect(await knownBy(a, masterId)).toBe(false);
    // The removed node was reset: it knows only itself and can be added again.
    const removed = client(newMaster);
    expect(((await removed.call('CLUSTER', 'NODES')) as string).trim().split('\n')).toHaveLength(1);
    removed.disconnect();

    await expect.poll(async () => (await runRck(['check', c.seed])).code, { timeout: 15_000, interval: 200 }).toBe(0);
    expect((await runCommand(cliBinary(), ['--cluster', 'check', c.seed])).code).toBe(0);
    const status = JSON.parse((await runRck(['status', '--json', c.seed])).stdout);
    expect(status.masters).toBe(3);
    expect(status.replicas).toBe(1);
    const report = await verifyKeys(c.all(), c.expected);
    expect({ ...report, total: 0, unexpected: report.unexpected.filter((k) => !k.startsWith('w:')) }).toEqual(cleanReport(0));

    // It can come back at once (CLUSTER RESET HARD gave it a new id, not banned by FORGET).
    const back = await runRck(['add-node', newMaster, c.seed, '--replica']);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/as a replica of .* \(it has the fewest replicas \(0\)\)/);
  });

  it('removes a replica and, with --shutdown, stops it', async () => {
    const c = await cluster(3, 1, 0, 10);
    const replica = c.set.addresses[3]!;
    const id = await nodeId(replica);
    const exited = new Promise((r) => c.set.nodes[3]!.proc.once('exit', r));
    const del = await runRck(['del-node', c.seed, replica, '--shutdown', '--yes', '--json']);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ role: 'replica', applied: true });
    await exited;
    for (const a of c.set.addresses.slice(0, 3)) expect(await knownBy(a, id)).toBe(false);
    await expect.poll(async () => (await runRck(['check', c.seed])).code, { timeout: 15_000, interval: 200 }).toBe(0);
  });

  it('refuses bad input with one line and changes nothing', async () => {
    const c = await cluster(3, 0, 2, 10);
    const [fresh, busy] = c.spare.addresses as [string, string];
    // A key on a node outside any cluster: serve every slot for a moment to write it.
    const b = client(busy);
    await b.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await expect.poll(() => b.set('x', '1').catch((e: Error) => e.message), { timeout: 10_000, interval: 50 }).toBe('OK');
    await b.call('CLUSTER', 'DELSLOTSRANGE', '0', '16383');
    b.disconnect();
    const cases: [string[], RegExp][] = [
      [['del-node', c.seed, 'deadbeefdeadbeef', '--yes'], /node "deadbeefdeadbeef": no node of the cluster has this id/],
      [['del-node', c.seed, c.set.addresses[1]!, '--yes'], /owns \d+ slot\(s\): move them away first/],
      [['del-node', c.seed, '127.0.0.1:1', '--yes'], /no reachable node of the cluster listens at 127\.0\.0\.1:1/],
      [['add-node', busy, c.seed], /not empty: holds 1 key\(s\); nothing was changed/],
      [['add-node', c.set.addresses[2]!, c.seed], /is already a member of this cluster/],
      [['add-node', fresh, c.seed, '--replica', '--master', 'cafecafe'], /--master "cafecafe": no node of the cluster has this id/],
      [['add-node', fresh, c.seed, '--json', '--master', c.seed + 'x'], /--master "127\.0\.0\.1:\d+x"/],
    ];
    for (const [args, message] of cases) {
      const r = await runRck(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('rck:')),
        args.join(' '),
      ).toHaveLength(1);
    }
    // A master with no slots but holding keys is refused too.
    const freshId = await nodeId(fresh);
    expect((await runRck(['add-node', fresh, c.seed])).code).toBe(0);
    const f = client(fresh);
    const slot = String(slotOf('stray'));
    const owner = ((await f.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][]).find(([a, z]) => a <= Number(slot) && Number(slot) <= z)![2][2];
    await f.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', owner);
    await f.pipeline().call('ASKING').set('stray', 'v').exec();
    await f.call('CLUSTER', 'SETSLOT', slot, 'STABLE');
    f.disconnect();
    const stray = await runRck(['del-node', c.seed, freshId, '--yes']);
    expect(stray.code).not.toBe(0);
    expect(stray.stderr).toMatch(/owns no slots but holds 1 key\(s\): run rck fix/);
    expect(await knownBy(c.seed, freshId)).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { observeCluster } from '../../src/topology/observe.js';
import { clusterClient, startCluster } from '../support/cluster.js';
import { controllerFor, runUntilIdle, runUntilReady } from '../support/controller.js';
import { TestNodes } from '../support/redis-nodes.js';

let sets: TestNodes[] = [];
afterEach(async () => {
  await Promise.all(sets.map((s) => s.stop()));
  sets = [];
});

async function seedCluster(opts: { nodeTimeoutMs?: number } = {}): Promise<TestNodes> {
  const set = await startCluster(3, 1, { persistence: true, nodeTimeoutMs: opts.nodeTimeoutMs ?? 2000 });
  sets.push(set);
  return set;
}

async function writeKeys(set: TestNodes, n: number): Promise<string[]> {
  const c = clusterClient(set);
  const keys = Array.from({ length: n }, (_, i) => `key:${i}`);
  try {
    for (const k of keys) await c.set(k, `v:${k}`);
  } finally {
    c.disconnect();
  }
  return keys;
}

async function expectKeys(set: TestNodes, keys: string[]): Promise<void> {
  const c = clusterClient(set);
  try {
    const values = await Promise.all(keys.map((k) => c.get(k)));
    expect(values.filter((v, i) => v !== `v:${keys[i]}`)).toEqual([]);
  } finally {
    c.disconnect();
  }
}

async function nodeIds(set: TestNodes): Promise<string[]> {
  const model = await observeCluster(set.addresses.map(parseAddress), { seedsOnly: true });
  return set.addresses.map((a) => model.nodes.find((n) => `${n.address.host}:${n.address.port}` === a)?.id ?? '?');
}

describe('controller heals on real nodes', () => {
  it('full restart on new addresses: re-introduces nodes by id, same ids, no key lost', async () => {
    const set = await seedCluster();
    const keys = await writeKeys(set, 200);
    const ids = await nodeIds(set);
    await set.aofWritten(); // acknowledged is not yet written under appendfsync everysec
    await Promise.all(set.nodes.map((_, i) => set.kill(i)));
    await Promise.all(set.nodes.map((_, i) => set.restart(i)));
    const { controller, events } = controllerFor(set);
    const { ms } = await runUntilReady(controller);
    console.log(`full restart: healthy ${ms} ms after the last member was up`);
    expect(events.events.some((e) => e.reason === 'Meet')).toBe(true);
    expect(await nodeIds(set)).toEqual(ids);
    await expectKeys(set, keys);
  });

  it('lost volume: forgets the old id, joins the empty node as a replica', async () => {
    const set = await seedCluster();
    const keys = await writeKeys(set, 100);
    const oldIds = await nodeIds(set);
    await set.restart(4, { wipe: true });
    const { controller, events } = controllerFor(set);
    await runUntilReady(controller);
    const actions = events.events.map((e) => e.reason);
    expect(actions).toContain('Forget');
    expect(actions).toContain('JoinReplica');
    expect(actions).not.toContain('Create');
    const model = await observeCluster([parseAddress(set.addresses[0]!)]);
    expect(model.nodes).toHaveLength(6);
    expect(model.nodes.some((n) => n.table.some((l) => l.id === oldIds[4]))).toBe(false);
    const newNode = model.nodes.find((n) => n.address.port === set.nodes[4]!.port)!;
    expect(newNode.self!.role).toBe('replica');
    await expectKeys(set, keys);
  });

  it('stuck shard: promotes the best replica with FAILOVER FORCE when Redis does not, and reports a DataLoss of unknown size (it never saw the master)', async () => {
    const set = await seedCluster({ nodeTimeoutMs: 1000 });
    const keys = await writeKeys(set, 100);
    // Redis itself will not fail over this shard (as when the replica's data is too old).
    const replica = set.client(3);
    await replica.config('SET', 'cluster-replica-no-failover', 'yes');
    replica.disconnect();
    await set.kill(0);
    const { controller, events } = controllerFor(set, { nodeTimeoutMs: 1000 });
    const start = Date.now();
    // Ready needs every member up; the killed master stays down, so wait for slots to be served instead.
    for (;;) {
      const pass = await controller.pass();
      if (pass.obs.members[3]!.node?.self?.role === 'master') break;
      if (Date.now() - start > 60_000) throw new Error(`not promoted: ${pass.plan.waiting.join('; ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`stuck shard: promoted after ${Date.now() - start} ms`);
    const promote = events.events.find((e) => e.reason === 'Promote');
    expect(promote?.type).toBe('Warning');
    expect(promote?.member).toBe('m-3');
    expect(promote?.message).toMatch(/may be lost/);
    // This controller started after the master died, so it cannot count what was lost.
    const losses = events.events.filter((e) => e.reason === 'DataLoss');
    expect(losses.map((e) => [e.type, e.member, e.keysLost])).toEqual([['Warning', 'm-3', undefined]]);
    expect(losses[0]!.message).toMatch(/unknown/);
    await expectKeys(set, keys);
  });

  it('missing replicas: attaches spare members to the masters that lack one', async () => {
    const set = await startCluster(3, 0, { nodeTimeoutMs: 2000 });
    sets.push(set);
    const extra = await TestNodes.start(3, { nodeTimeoutMs: 2000 });
    sets.push(extra);
    // Spares that joined as masters without slots (as a hand-run add-node would leave them).
    const c0 = set.client(0);
    for (const n of extra.nodes) await c0.call('CLUSTER', 'MEET', n.host, String(n.port));
    c0.disconnect();
    const all = { nodes: [...set.nodes, ...extra.nodes], isUp: (i: number) => (i < 3 ? set.isUp(i) : extra.isUp(i - 3)) } as unknown as TestNodes;
    const { controller, events } = controllerFor(all);
    await runUntilReady(controller);
    await runUntilIdle(controller); // replicas placed away from their master's domain after a calm period
    const attached = new Set(events.events.filter((e) => e.reason === 'Replicate' || e.reason === 'JoinReplica').map((e) => e.member));
    expect([...attached].sort()).toEqual(['m-3', 'm-4', 'm-5']);
    // Every master ends with one replica, in another failure domain (members' domains are d<ordinal % 3>).
    const model = await observeCluster([parseAddress(set.addresses[0]!)]);
    const domainOf = (port: number) => `d${all.nodes.findIndex((n) => n.port === port) % 3}`;
    for (const m of model.nodes.filter((n) => n.self?.role === 'master')) {
      const reps = model.nodes.filter((n) => n.self?.masterId === m.id);
      expect(reps).toHaveLength(1);
      expect(domainOf(reps[0]!.address.port)).not.toBe(domainOf(m.address.port));
    }
  });

  it('puts back the bootstrap settings an interrupted create left on a node', async () => {
    const set = await seedCluster();
    const c = set.client(4);
    // What a create killed half-way leaves: a short node timeout and replica failover off.
    await c.config('SET', 'cluster-node-timeout', '500');
    await c.config('SET', 'cluster-replica-no-failover', 'yes');
    const { controller, events } = controllerFor(set);
    for (let i = 0; i < 50 && !events.events.some((e) => e.reason === 'RestoreSettings'); i++) await controller.pass();
    expect(events.events.map((e) => e.reason)).toContain('RestoreSettings');
    expect(await c.config('GET', 'cluster-node-timeout')).toEqual(['cluster-node-timeout', '2000']);
    expect(await c.config('GET', 'cluster-replica-no-failover')).toEqual(['cluster-replica-no-failover', 'no']);
    c.disconnect();
  });
});

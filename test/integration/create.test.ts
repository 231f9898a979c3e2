import { afterEach, describe, expect, it } from 'vitest';
import { createCluster } from '../../src/ops/create.js';
import { parseAddress } from '../../src/redis/address.js';
import { observeCluster } from '../../src/topology/observe.js';
import { countSlots } from '../../src/topology/slots.js';
import { TestNodes } from '../support/redis-nodes.js';
import { runCommand, runRck } from '../support/rck.js';

let sets: TestNodes[] = [];
async function nodes(n: number, opts: Parameters<typeof TestNodes.start>[1] = {}): Promise<TestNodes> {
  const s = await TestNodes.start(n, opts);
  sets.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sets.map((s) => s.stop()));
  sets = [];
});

async function redisCliCheck(address: string): Promise<{ code: number; out: string }> {
  const r = await runCommand('redis-cli', ['--cluster', 'check', address]);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('rck create', () => {
  it('creates 3 masters x 0 replicas that redis-cli --cluster check accepts', async () => {
    const set = await nodes(3);
    const r = await runRck(['create', ...set.addresses]);
    expect(r.stderr).not.toMatch(/rck:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/slots 0-5460/);
    expect(r.stdout).toMatch(/OK: cluster created/);
    const check = await redisCliCheck(set.addresses[0]!);
    expect(check.out).toMatch(/All 16384 slots covered/);
    expect(check.code).toBe(0);
  });

  it('creates 3 masters x 1 replica with replicas away from their master domain', async () => {
    const set = await nodes(6);
    const zones = ['a', 'a', 'b', 'b', 'c', 'c'];
    const result = await createCluster({
      nodes: set.addresses.map((a, i) => ({ address: parseAddress(a), domain: zones[i] })),
      replicasPerMaster: 1,
    });
    expect(result.layout.score).toBe(100);
    const model = await observeCluster([parseAddress(set.addresses[0]!)]);
    expect(model.nodes).toHaveLength(6);
    const masters = model.nodes.filter((n) => n.self?.role === 'master');
    expect(masters.map((m) => countSlots(m.self!.slots)).reduce((a, b) => a + b)).toBe(16384);
    const zoneOf = new Map(set.addresses.map((a, i) => [a, zones[i]]));
    for (const m of masters) {
      const reps = model.nodes.filter((n) => n.self?.masterId === m.id);
      expect(reps).toHaveLength(1);
      expect(zoneOf.get(`${reps[0]!.address.host}:${reps[0]!.address.port}`)).not.toBe(zoneOf.get(`${m.address.host}:${m.address.port}`));
      expect(reps[0]!.replication.masterLinkUp).toBe(true);
    }
    expect(model.nodes.every((n) => n.clusterInfo.get('cluster_state') === 'ok')).toBe(true);
    expect((await redisCliCheck(set.addresses[0]!)).code).toBe(0);
    // The short bootstrap timeout and no-failover are put back.
    const c = set.client(3);
    expect(await c.config('GET', 'cluster-node-timeout')).toEqual(['cluster-node-timeout', '2000']);
    expect(await c.config('GET', 'cluster-replica-no-failover')).toEqual(['cluster-replica-no-failover', 'no']);
    c.disconnect();
  });

  it('creates 3 masters x 2 replicas, with a password', async () => {
    const set = await nodes(9, { password: 's3cret-pw' });
    const r = await runRck(['create', '--replicas', '2', '--json', ...set.addresses], { RCK_PASSWORD: 's3cret-pw' });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
    const out = JSON.parse(r.stdout);
    expect(out.shards).toHaveLength(3);
    for (const s of out.shards) expect(s.replicas).toHaveLength(2);
    const model = await observeCluster([parseAddress(set.addresses[0]!)], { password: 's3cret-pw' });
    expect(model.nodes.filter((n) => n.self?.role === 'replica')).toHaveLength(6);
  });
});

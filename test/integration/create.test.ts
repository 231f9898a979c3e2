import { cliBinary } from '../support/engine.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster } from '../../src/ops/create.js';
import { parseAddress } from '../../src/redis/address.js';
import { observeCluster } from '../../src/topology/observe.js';
import { countSlots } from '../../src/topology/slots.js';
import { TestNodes } from '../support/redis-nodes.js';
import { runCommand, runRck } from '../support/rck.js';
import { passwordProfile } from '../../src/redis/profile.js';

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

/** Each node's value of each setting, in node order. */
async function settingsOf(set: TestNodes, names: string[]): Promise<string[][]> {
  return Promise.all(
    set.nodes.map(async (_, i) => {
      const c = set.client(i);
      try {
        return await Promise.all(names.map(async (n) => ((await c.config('GET', n)) as string[])[1]!));
      } finally {
        c.disconnect();
      }
    }),
  );
}

async function redisCliCheck(address: string): Promise<{ code: number; out: string }> {
  const r = await runCommand(cliBinary(), ['--cluster', 'check', address]);
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
    const model = await observeCluster([parseAddress(set.addresses[0]!)], { profile: passwordProfile('s3cret-pw') });
    expect(model.nodes.filter((n) => n.self?.role === 'replica')).toHaveLength(6);
  });

  it("on nodes with Redis's default repl-diskless-sync-delay, the 3 masters sync their 3 replicas without the delay, and each node gets its value back", async () => {
    // Redis 7's default is 5 s; node 1 has its own value, to see each node's is put back.
    const set = await nodes(6, { extraArgs: ['--repl-diskless-sync-delay', '5'] });
    const c = set.client(1);
    await c.config('SET', 'repl-diskless-sync-delay', '3');
    c.disconnect();
    const before = await settingsOf(set, ['repl-diskless-sync-delay', 'cluster-node-timeout', 'cluster-replica-no-failover']);
    const r = await runRck(['create', '--replicas', '1', '--placement', 'ordinal', ...set.addresses]);
    expect(r.stderr).not.toMatch(/rck:/);
    expect(r.code).toBe(0);
    const model = await observeCluster([parseAddress(set.addresses[0]!)]);
    const replicas = model.nodes.filter((n) => n.self?.role === 'replica');
    expect(replicas).toHaveLength(3);
    for (const n of replicas) expect(n.replication.masterLinkUp, `${n.address.port} synced`).toBe(true);
    // Masters 0..2 (ordinal placement): each started its sync at once, none waited for the delay.
    for (const n of set.nodes.slice(0, 3)) {
      const log = await readFile(join(n.dir, 'redis.log'), 'utf8');
      expect(log, `${n.address} log`).toMatch(/Starting BGSAVE for SYNC with target: replicas sockets/);
      expect(log, `${n.address} log`).not.toMatch(/Delay next BGSAVE for diskless SYNC/);
    }
    expect(await settingsOf(set, ['repl-diskless-sync-delay', 'cluster-node-timeout', 'cluster-replica-no-failover'])).toEqual(before);
    expect(before[1]![0]).toBe('3');
  });

  it("when the 3 replicas cannot sync, the error names the cause from the masters' state and logs (not the bus port), and every setting is put back", async () => {
    // Masters that save the snapshot to disk, in a directory that is gone: every sync fails.
    const set = await nodes(6, { extraArgs: ['--repl-diskless-sync', 'no', '--repl-diskless-sync-delay', '5', '--enable-protected-configs', 'yes'] });
    const gone = await mkdtemp(join(tmpdir(), 'rck-test-gone-'));
    try {
      for (const i of [0, 1, 2]) {
        const c = set.client(i);
        await c.config('SET', 'dir', gone);
        c.disconnect();
      }
      await rm(gone, { recursive: true, force: true });
      const before = await settingsOf(set, ['repl-diskless-sync-delay', 'cluster-node-timeout', 'cluster-replica-no-failover']);
      const r = await runRck(['create', '--replicas', '1', '--placement', 'ordinal', '--wait-timeout', '10s', ...set.addresses]);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.split('\n');
      const error = lines.filter((l) => l.startsWith('rck:'));
      expect(error, r.stderr).toHaveLength(1);
      for (const [i, master] of set.addresses.slice(0, 3).entries()) {
        // The replica is caught either syncing or between two attempts (its link down): the cause is the same.
        expect(error[0]).toMatch(
          new RegExp(
            `${set.addresses[i + 3]}: (initial sync in progress|replication link to its master is down): its master ${master} cannot produce the snapshot for the sync: its background saves fail \\(rdb_last_bgsave_status:err`,
          ),
        );
        expect(error[0]).toMatch(new RegExp(`${master}'s log: "Failed opening the temp RDB file [^"]*No such file or directory"`));
      }
      const hint = lines.find((l) => l.startsWith('hint:'));
      expect(hint).toMatch(/check the free space and permissions of 127\.0\.0\.1:\d+'s dir/);
      expect(r.stderr).not.toMatch(/bus port/);
      expect(await settingsOf(set, ['repl-diskless-sync-delay', 'cluster-node-timeout', 'cluster-replica-no-failover'])).toEqual(before);
    } finally {
      await rm(gone, { recursive: true, force: true });
    }
  });
});

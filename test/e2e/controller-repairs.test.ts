/**
 * What Redis cannot heal alone, on the local platform with the controller in the
 * supervisor: a lost volume, a stuck shard, a missing replica, open slots, and
 * roles left in one failure domain after a failover.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

let h: LocalClusterHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function upSeed(): Promise<StatusJson> {
  h = await LocalClusterHarness.create();
  return h.upReady();
}

const actions = async () => (await h!.events()).map((e) => e.reason);

describe('controller on the local platform: repairs', () => {
  it('lost volume: the empty member rejoins as a replica, the old id is forgotten, nothing is re-created', async () => {
    const before = await upSeed();
    const oldId = h!.member(before, 'redis-app-4').nodeId;
    await h!.ok(['kill', 'redis-app-4', '--lose-volume', '--name', before.cluster]);
    const start = Date.now();
    const healed = await h!.waitFor(
      'redis-app-4 back as a replica with a new id, Ready',
      (s) => {
        const m = h!.member(s, 'redis-app-4');
        return h!.ready(s) && m.role === 'replica' && m.nodeId !== oldId;
      },
      60_000,
    );
    console.log(`[lost volume] Ready ${Date.now() - start} ms after the kill`);
    const done = await actions();
    expect(done).toContain('Forget');
    expect(done).toContain('JoinReplica');
    expect(done).not.toContain('Create');
    const nodes = await h!.redisCli(healed, 'redis-app-0', 'cluster', 'nodes');
    expect(nodes).not.toContain(oldId!);
  });

  it('stuck shard: promotes the replica with FAILOVER FORCE when Redis will not, with a warning event', async () => {
    const before = await upSeed();
    // As when a replica's data is too old to fail over by itself.
    await h!.redisCli(before, 'redis-app-3', 'config', 'set', 'cluster-replica-no-failover', 'yes');
    await h!.ok(['stop', 'redis-app-0', '--name', before.cluster]);
    const start = Date.now();
    await h!.waitFor('redis-app-3 promoted', (s) => h!.member(s, 'redis-app-3').role === 'master', 60_000);
    console.log(`[stuck shard] promoted ${Date.now() - start} ms after its master stopped (deadline 2 x node timeout + 5 s)`);
    const promote = (await h!.events()).find((e) => e.reason === 'Promote');
    expect(promote?.type).toBe('Warning');
    expect(promote?.member).toBe('redis-app-3');
    await h!.ok(['start', 'redis-app-0', '--name', before.cluster]);
    const back = await h!.waitFor('redis-app-0 back as a replica, Ready', (s) => h!.ready(s) && h!.member(s, 'redis-app-0').role === 'replica', 60_000);
    expect(h!.member(back, 'redis-app-0').master).toBe('redis-app-3');
  });

  it('missing replica: a replica reset out of the cluster is attached again', async () => {
    const before = await upSeed();
    await h!.redisCli(before, 'redis-app-5', 'cluster', 'reset', 'soft');
    await h!.waitFor('redis-app-5 a replica again, Ready', (s) => h!.ready(s) && h!.member(s, 'redis-app-5').role === 'replica', 60_000);
    const done = await actions();
    expect(done.some((a) => a === 'Replicate' || a === 'JoinReplica')).toBe(true);
  });

  it('open slots left by an interrupted migration are fixed by the engine', async () => {
    const before = await upSeed();
    const id0 = h!.member(before, 'redis-app-0').nodeId!;
    const id1 = h!.member(before, 'redis-app-1').nodeId!;
    await h!.redisCli(before, 'redis-app-1', 'cluster', 'setslot', '100', 'importing', id0);
    await h!.redisCli(before, 'redis-app-0', 'cluster', 'setslot', '100', 'migrating', id1);
    const start = Date.now();
    await h!.waitFor('fixed', async (s) => h!.ready(s) && (await actions()).includes('FixSlots'), 60_000);
    console.log(`[open slot] fixed ${Date.now() - start} ms after it was left open (grace 10 s)`);
    const check = await h!.rck(['check', '--password', await h!.password(), h!.member(before, 'redis-app-0').address]);
    expect(check.stdout).toMatch(/OK: healthy/);
  });

  it('role placement: after a failover leaves two masters in one domain, a planned failover restores the spread', async () => {
    const before = await upSeed();
    await h!.ok(['kill', 'redis-app-0', '--name', before.cluster]);
    // Redis fails over to redis-app-3 (local-node-1, where redis-app-1 is master too)...
    await h!.waitFor('redis-app-3 master', (s) => h!.member(s, 'redis-app-3').role === 'master', 60_000);
    // ...and once redis-app-0 is back and things are calm, the controller hands the slots back.
    const start = Date.now();
    await h!.waitFor('redis-app-0 master again', (s) => h!.ready(s) && h!.member(s, 'redis-app-0').role === 'master', 90_000);
    console.log(`[placement] roles spread again ${Date.now() - start} ms after the failover`);
    expect(await actions()).toContain('PlannedFailover');
  });
});

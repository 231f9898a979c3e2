import { TEST_ENGINE, cliBinary } from '../support/engine.js';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestNodes } from '../support/redis-nodes.js';
import { TestNodes as Nodes } from '../support/redis-nodes.js';
import { clusterClient, keysInSlot, startCluster } from '../support/cluster.js';
import { runCommand, runRck } from '../support/rck.js';

let sets: TestNodes[] = [];
let clients: Redis[] = [];
afterEach(async () => {
  clients.forEach((c) => c.disconnect());
  clients = [];
  await Promise.all(sets.map((s) => s.stop()));
  sets = [];
});

async function cluster(masters = 3, replicas = 0): Promise<{ set: TestNodes; c: Redis[]; ids: string[] }> {
  const set = await startCluster(masters, replicas);
  sets.push(set);
  const c = set.nodes.map((_, i) => set.client(i));
  clients.push(...c);
  const ids = await Promise.all(c.map((x) => x.call('CLUSTER', 'MYID') as Promise<string>));
  return { set, c, ids };
}

async function writeKeys(c: Redis, keys: string[], asking = false): Promise<void> {
  for (const k of keys) {
    if (asking) await c.pipeline().call('ASKING').set(k, `v:${k}`).exec();
    else await c.set(k, `v:${k}`);
  }
}

async function expectReadable(set: TestNodes, keys: string[]): Promise<void> {
  const cc = clusterClient(set);
  try {
    for (const k of keys) expect(await cc.get(k), k).toBe(`v:${k}`);
  } finally {
    cc.disconnect();
  }
}

/** fix repairs, the cluster is then healthy for rck and redis-cli, and a second fix finds nothing. */
async function fixAndVerify(set: TestNodes): Promise<string> {
  const fix = await runRck(['fix', '--yes', set.addresses[0]!]);
  expect(fix.stderr).not.toMatch(/^rck:/m);
  expect(fix.code).toBe(0);
  const check = await runRck(['check', set.addresses[0]!]);
  expect(check.stdout).toMatch(/OK: healthy/);
  expect(check.code).toBe(0);
  expect((await runCommand(cliBinary(), ['--cluster', 'check', set.addresses[0]!])).code).toBe(0);
  const again = await runRck(['fix', '--yes', set.addresses[0]!]);
  expect(again.stdout).toMatch(/nothing to fix/);
  return fix.stdout;
}

describe('rck check', () => {
  it('reports healthy on a cluster made by redis-cli --cluster create', async () => {
    const set = await Nodes.start(6);
    sets.push(set);
    const made = await runCommand(cliBinary(), ['--cluster', 'create', ...set.addresses, '--cluster-replicas', '1', '--cluster-yes']);
    expect(made.code).toBe(0);
    // redis-cli returns before replicas finish their first sync: wait like a user would.
    await expect.poll(async () => (await runRck(['check', set.addresses[0]!])).code, { timeout: 20_000, interval: 200 }).toBe(0);
    const json = JSON.parse((await runRck(['check', '--json', set.addresses[0]!])).stdout);
    expect(json.healthy).toBe(true);
    expect(json.summary.replicas).toBe(3);
  });
});

describe('rck check and fix on broken clusters', () => {
  it('a slot left migrating/importing mid-move', async () => {
    const { set, c, ids } = await cluster();
    const keys = keysInSlot(100, 20);
    await writeKeys(c[0]!, keys);
    await c[1]!.call('CLUSTER', 'SETSLOT', '100', 'IMPORTING', ids[0]!);
    await c[0]!.call('CLUSTER', 'SETSLOT', '100', 'MIGRATING', ids[1]!);
    await c[0]!.call('MIGRATE', set.nodes[1]!.host, String(set.nodes[1]!.port), '', '0', '5000', 'KEYS', ...keys.slice(0, 10));

    const check = await runRck(['check', set.addresses[0]!]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/ERROR.*slot 100 is migrating to/);
    expect(check.stdout).toMatch(/ERROR.*slot 100 is importing from/);

    const out = await fixAndVerify(set);
    expect(out).toMatch(/finish the migration/);
    expect(await c[1]!.call('CLUSTER', 'COUNTKEYSINSLOT', '100')).toBe(20);
    await expectReadable(set, keys);
  });

  // Valkey 8 replicates SETSLOT to replicas before applying it; one that times out waiting
  // for them (NOREPLICAS) is on the replica only (valkey #998/#1664). Redis has no such state.
  it.runIf(TEST_ENGINE.startsWith('valkey'))('a slot migrating on a replica only, its master closed (a SETSLOT that timed out): check sees it, fix closes it', async () => {
    const { set, c, ids } = await cluster(3, 1);
    const replica = set.nodes[3]!; // ordinal placement: member 3 replicates master 0
    expect(await c[3]!.call('CLUSTER', 'MYID')).not.toBe(ids[0]);
    await expect.poll(async () => String(await c[0]!.info('replication')).includes('state=online'), { timeout: 10_000 }).toBe(true);
    replica.proc.kill('SIGSTOP');
    try {
      const take = c[0]!.call('CLUSTER', 'SETSLOT', '100', 'MIGRATING', ids[1]!, 'TIMEOUT', '300');
      await expect(take).rejects.toThrow(/NOREPLICAS/);
    } finally {
      replica.proc.kill('SIGCONT');
    }
    await expect.poll(async () => String(await c[3]!.call('CLUSTER', 'NODES')).includes('[100->-'), { timeout: 10_000 }).toBe(true);
    expect(String(await c[0]!.call('CLUSTER', 'NODES'))).not.toContain('[100->-');

    const check = await runRck(['check', set.addresses[0]!]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(new RegExp(`ERROR.*${replica.address}.*slot 100 is migrating to`));
    const out = await fixAndVerify(set);
    expect(out).toMatch(/slot 100: owned by .*, open on replica\(s\) -> close it on the replicas of/);
    expect(String(await c[3]!.call('CLUSTER', 'NODES'))).not.toContain('[100->-');
  });

  it('uncovered slots, with and without keys', async () => {
    const { set, c } = await cluster();
    const keys = keysInSlot(200, 10);
    await writeKeys(c[0]!, keys);
    for (const x of c) await x.call('CLUSTER', 'DELSLOTSRANGE', '200', '200', '300', '399');

    const check = await runRck(['check', '--json', set.addresses[0]!]);
    expect(check.code).toBe(1);
    const codes = JSON.parse(check.stdout).findings.map((f: { code: string }) => f.code);
    expect(codes).toContain('uncovered-slots');
    expect(codes).toContain('keys-in-unowned-slot');

    await fixAndVerify(set);
    expect(await c[0]!.call('CLUSTER', 'COUNTKEYSINSLOT', '200')).toBe(10);
    await expectReadable(set, keys);
  });

  it('keys for one uncovered slot on several nodes', async () => {
    const { set, c, ids } = await cluster();
    const onOwner = keysInSlot(300, 5, 'a');
    const onOther = keysInSlot(300, 3, 'b');
    await writeKeys(c[0]!, onOwner);
    await c[1]!.call('CLUSTER', 'SETSLOT', '300', 'IMPORTING', ids[0]!);
    await writeKeys(c[1]!, onOther, true);
    await c[1]!.call('CLUSTER', 'SETSLOT', '300', 'STABLE');
    for (const x of c) await x.call('CLUSTER', 'DELSLOTS', '300');

    const check = await runRck(['check', set.addresses[0]!]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/holds keys in slot\(s\) it does not own: 300/);

    const out = await fixAndVerify(set);
    expect(out).toMatch(/slot 300: not covered, keys on/);
    expect(await c[0]!.call('CLUSTER', 'COUNTKEYSINSLOT', '300')).toBe(8);
    expect(await c[1]!.call('CLUSTER', 'COUNTKEYSINSLOT', '300')).toBe(0);
    await expectReadable(set, [...onOwner, ...onOther]);
  });

  it('stops rather than overwrite a key that differs on both sides', async () => {
    const { set, c, ids } = await cluster();
    const [key] = keysInSlot(400, 1);
    await c[0]!.set(key!, 'owner-value');
    await c[1]!.call('CLUSTER', 'SETSLOT', '400', 'IMPORTING', ids[0]!);
    await c[1]!.pipeline().call('ASKING').set(key!, 'other-value').exec();
    await c[0]!.call('CLUSTER', 'SETSLOT', '400', 'MIGRATING', ids[1]!);

    const fix = await runRck(['fix', '--yes', set.addresses[0]!]);
    expect(fix.code).not.toBe(0);
    expect(fix.stderr).toMatch(/exists on both .* with different values/);
    expect(await c[0]!.get(key!)).toBe('owner-value');
    expect(await c[1]!.pipeline().call('ASKING').get(key!).exec()).toEqual([
      [null, 'OK'],
      [null, 'other-value'],
    ]);
  });
});

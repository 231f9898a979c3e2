import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { observeCluster } from '../../src/topology/observe.js';
import { TestNodes, freePort } from '../support/redis-nodes.js';
import { runRck } from '../support/rck.js';
import { passwordProfile } from '../../src/redis/profile.js';

/** Every node still looks like a fresh, empty node: nothing was changed. */
async function expectUntouched(addresses: string[], password?: string): Promise<void> {
  const model = await observeCluster(addresses.map(parseAddress), { profile: passwordProfile(password), seedsOnly: true });
  for (const n of model.nodes) {
    expect(n.table, `${n.address.port} knows other nodes`).toHaveLength(1);
    expect(n.self!.slots, `${n.address.port} has slots`).toEqual([]);
    expect(n.clusterInfo.get('cluster_current_epoch')).toBe('0');
  }
}

function expectOneLineError(stderr: string, ...parts: (string | RegExp)[]): void {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('rck:'));
  expect(lines, stderr).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

describe('rck create refuses bad input and changes nothing', () => {
  let set: TestNodes;
  let withPassword: TestNodes;
  let withPassword6: TestNodes;
  beforeAll(async () => {
    [set, withPassword, withPassword6] = await Promise.all([TestNodes.start(6), TestNodes.start(3, { password: 'right-pw' }), TestNodes.start(6, { password: 'right-pw' })]);
  });
  afterAll(async () => {
    await Promise.all([set?.stop(), withPassword?.stop(), withPassword6?.stop()]);
  });

  it('an unreachable node', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await runRck(['create', ...set.addresses.slice(0, 2), dead]);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, dead, /connection refused/);
    await expectUntouched(set.addresses);
  });

  it('a node that holds keys', async () => {
    // A cluster node only takes writes for slots it owns while its state is ok:
    // own slot 0 without requiring full coverage, write, then give the slot back.
    const c = set.client(1);
    await c.config('SET', 'cluster-require-full-coverage', 'no');
    await c.call('CLUSTER', 'ADDSLOTS', '0');
    try {
      await expect.poll(() => c.set('06S', 'v').catch((e: Error) => e.message), { timeout: 10_000, interval: 50 }).toBe('OK'); // "06S" is in slot 0
    } finally {
      await c.call('CLUSTER', 'DELSLOTS', '0');
      await c.config('SET', 'cluster-require-full-coverage', 'yes');
    }
    try {
      const r = await runRck(['create', ...set.addresses.slice(0, 3)]);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, set.addresses[1]!, /not empty: holds 1 key/);
    } finally {
      await c.flushall();
      c.disconnect();
    }
    await expectUntouched(set.addresses);
  });

  it('a node already in another cluster', async () => {
    const other = await TestNodes.start(2);
    try {
      const c = other.client(0);
      await c.call('CLUSTER', 'MEET', other.nodes[1]!.host, String(other.nodes[1]!.port));
      c.disconnect();
      const r = await runRck(['create', ...set.addresses.slice(0, 2), other.addresses[0]!]);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, other.addresses[0]!, /already in a cluster/);
      await expectUntouched(set.addresses);
    } finally {
      await other.stop();
    }
  });

  it('a wrong password, without showing it', async () => {
    const r = await runRck(['create', ...withPassword.addresses], { RCK_PASSWORD: 'wrong-pw' });
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, withPassword.addresses[0]!, /wrong password/);
    expect(r.stderr).not.toContain('wrong-pw');
    await expectUntouched(withPassword.addresses, 'right-pw');
  });

  it('password-protected nodes that lack masterauth: refused naming each node and the setting', async () => {
    const lacking = [2, 4];
    const clients = lacking.map((i) => withPassword6.client(i, 'right-pw'));
    try {
      for (const c of clients) await c.config('SET', 'masterauth', '');
      const r = await runRck(['create', '--replicas', '1', '--wait-timeout', '5s', ...withPassword6.addresses], { RCK_PASSWORD: 'right-pw' });
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, /nothing was changed/, ...lacking.map((i) => `${withPassword6.addresses[i]}: requirepass is set but masterauth is not`));
      const line = r.stderr.split('\n').find((l) => l.startsWith('rck:'))!;
      for (const i of [0, 1, 3, 5]) expect(line).not.toContain(withPassword6.addresses[i]!);
      expect(r.stderr).not.toContain('right-pw');
      await expectUntouched(withPassword6.addresses, 'right-pw');
    } finally {
      for (const c of clients) {
        await c.config('SET', 'masterauth', 'right-pw');
        c.disconnect();
      }
    }
  });

  it('a masterauth the nodes refuse: refused naming the node, without showing either password', async () => {
    const c = withPassword6.client(1, 'right-pw');
    try {
      await c.config('SET', 'masterauth', 'stale-pw');
      const r = await runRck(['create', '--replicas', '1', '--wait-timeout', '5s', ...withPassword6.addresses], { RCK_PASSWORD: 'right-pw' });
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, `${withPassword6.addresses[1]}: masterauth is refused by`, /wrong password/, /and by 5 other node\(s\)/);
      expect(r.stderr).not.toContain('right-pw');
      expect(r.stderr).not.toContain('stale-pw');
      await expectUntouched(withPassword6.addresses, 'right-pw');
    } finally {
      await c.config('SET', 'masterauth', 'right-pw');
      c.disconnect();
    }
  });

  it('a masteruser that may not run PSYNC: refused naming the user and the reason', async () => {
    const clients = set.nodes.map((_, i) => set.client(i));
    try {
      for (const c of clients) {
        await c.call('ACL', 'SETUSER', 'repl', 'on', '>repl-pw', '~*', '+@all', '-psync');
        await c.config('SET', 'masteruser', 'repl');
        await c.config('SET', 'masterauth', 'repl-pw');
      }
      const r = await runRck(['create', '--replicas', '1', '--wait-timeout', '5s', ...set.addresses]);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, /masteruser repl may not run PSYNC on 127\.0\.0\.1:\d+: .*no permissions to run the 'psync' command/);
      expect(r.stderr).not.toContain('repl-pw');
      await expectUntouched(set.addresses);
    } finally {
      for (const c of clients) {
        await c.config('SET', 'masterauth', '');
        await c.config('SET', 'masteruser', '');
        await c.call('ACL', 'DELUSER', 'repl');
        c.disconnect();
      }
    }
  });

  it('min-replicas-to-write above the replicas each master gets: refused naming node and setting', async () => {
    const c = set.client(4);
    try {
      await c.config('SET', 'min-replicas-to-write', '2');
      const r = await runRck(['create', '--replicas', '1', ...set.addresses]);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, `${set.addresses[4]}: min-replicas-to-write is 2 but each master gets 1 replica(s): as a master it would refuse every write`);
      await expectUntouched(set.addresses);
    } finally {
      await c.config('SET', 'min-replicas-to-write', '0');
      c.disconnect();
    }
  });

  it('a node that refuses CONFIG SET: the error names it and the 5 others get their settings back', async () => {
    const settings = ['cluster-node-timeout', 'cluster-replica-no-failover', 'repl-diskless-sync-delay'];
    const read = () =>
      Promise.all(
        set.nodes.map(async (_, i) => {
          const c = set.client(i);
          try {
            return await Promise.all(settings.map(async (n) => ((await c.config('GET', n)) as string[])[1]));
          } finally {
            c.disconnect();
          }
        }),
      );
    const clients = set.nodes.map((_, i) => set.client(i));
    try {
      for (const c of clients) await c.config('SET', 'repl-diskless-sync-delay', '5');
      await clients[2]!.call('ACL', 'SETUSER', 'default', '-config|set');
      const before = await read();
      const r = await runRck(['create', '--replicas', '1', ...set.addresses]);
      expect(r.code).not.toBe(0);
      expectOneLineError(r.stderr, `${set.addresses[2]}: could not apply the bootstrap settings:`, /NOPERM/);
      expect(await read()).toEqual(before);
      await expectUntouched(set.addresses);
    } finally {
      await clients[2]!.call('ACL', 'SETUSER', 'default', '+config|set');
      for (const c of clients) {
        await c.config('SET', 'repl-diskless-sync-delay', '0');
        c.disconnect();
      }
    }
  });

  it('fewer than 3 masters', async () => {
    const r = await runRck(['create', '--replicas', '1', ...set.addresses.slice(0, 4)]);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /give 2 master\(s\).*at least 3 masters/);
    await expectUntouched(set.addresses);
  });

  it('a duplicate address', async () => {
    const r = await runRck(['create', set.addresses[0]!, set.addresses[1]!, set.addresses[2]!, set.addresses[0]!]);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, set.addresses[0]!, /more than once/);
    await expectUntouched(set.addresses);
  });

  it('an address that is not host:port', async () => {
    const r = await runRck(['create', 'nonsense', ...set.addresses.slice(0, 2)]);
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr, /"nonsense"/);
  });
});

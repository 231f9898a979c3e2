/**
 * readNode on a real redis-server: a node whose INFO is refused is not observed at all,
 * rather than read as a master with no replicas (an empty INFO parses as one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { withPool } from '../../src/redis/pool.js';
import { type ConnectionProfile, passwordProfile } from '../../src/redis/profile.js';
import { readNode } from '../../src/topology/observe.js';
import { type TestNode, startNode, stopNode } from '../support/redis-nodes.js';

let replica: TestNode;
let master: TestNode;

beforeAll(async () => {
  master = await startNode({ clusterEnabled: false });
  replica = await startNode({ clusterEnabled: false, extraArgs: ['--replicaof', master.host, String(master.port), '--user', 'noinfo', 'on', '>pw', '~*', '&*', '+@all', '-info'] });
});

afterAll(async () => {
  await Promise.all([replica, master].filter(Boolean).map(stopNode));
});

describe('readNode', () => {
  it('reads a replica as a replica, and refuses to guess when INFO is refused', async () => {
    const read = (profile: ConnectionProfile) => withPool({ profile }, (pool) => readNode(pool, parseAddress(replica.address)));
    expect((await read(passwordProfile(undefined))).replication.role).toBe('replica');
    const noInfo: ConnectionProfile = { ...passwordProfile('pw'), username: 'noinfo' };
    await expect(read(noInfo)).rejects.toThrow(/INFO failed: .*NOPERM/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handOver } from '../../src/ops/handover.js';
import { parseAddress } from '../../src/redis/address.js';
import { withPool } from '../../src/redis/pool.js';
import { readNode } from '../../src/topology/observe.js';
import { clusterClient, startCluster } from '../support/cluster.js';
import type { TestNodes } from '../support/redis-nodes.js';

describe('planned failover (handover)', () => {
  let set: TestNodes;
  beforeAll(async () => {
    set = await startCluster(3, 1);
  });
  afterAll(async () => {
    await set?.stop();
  });

  it("hands a master's slots to its in-sync replica under writes, losing nothing", async () => {
    const client = clusterClient(set);
    const acked = new Map<string, number>();
    let failed = 0;
    let running = true;
    const writer = (async () => {
      for (let i = 0; running; i++) {
        const key = `w:${i % 500}`;
        try {
          await client.set(key, String(i));
          acked.set(key, i);
        } catch {
          failed++;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const result = await withPool({}, (pool) => handOver(pool, parseAddress(set.addresses[0]!)));
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await writer;
    console.log(`handover took ${result.ms} ms; ${acked.size} keys written, ${failed} write(s) failed`);
    expect(result.newMaster).toEqual(parseAddress(set.addresses[3]!));
    await withPool({}, async (pool) => {
      expect((await readNode(pool, parseAddress(set.addresses[3]!))).self?.role).toBe('master');
      const old = await readNode(pool, parseAddress(set.addresses[0]!));
      expect(old.self?.role).toBe('replica');
      expect(old.replication.masterLinkUp).toBe(true);
    });
    for (const [key, value] of acked) expect(await client.get(key)).toBe(String(value));
    client.disconnect();
  });

  it('does nothing for a replica', async () => {
    const result = await withPool({}, (pool) => handOver(pool, parseAddress(set.addresses[1 + 3]!)));
    expect(result.newMaster).toBeUndefined();
  });
});

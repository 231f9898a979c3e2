/** Test clusters: real nodes made into a cluster, and keys placed in chosen slots. */
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { createCluster } from '../../src/ops/create.js';
import { parseAddress } from '../../src/redis/address.js';
import { type StartOptions, TestNodes } from './redis-nodes.js';
import { passwordProfile } from '../../src/redis/profile.js';

export async function startCluster(masters: number, replicas: number, opts: StartOptions = {}): Promise<TestNodes> {
  const set = await TestNodes.start(masters * (replicas + 1), opts);
  try {
    await createCluster({
      nodes: set.addresses.map((a) => ({ address: parseAddress(a) })),
      replicasPerMaster: replicas,
      placement: 'ordinal',
      profile: passwordProfile(opts.password),
    });
  } catch (err) {
    await set.stop();
    throw err;
  }
  return set;
}

/** `count` distinct key names that all hash to `slot`. */
export function keysInSlot(slot: number, count: number, prefix = 'k'): string[] {
  let tag = 0;
  while (calculateSlot(`${prefix}${tag}`) !== slot) tag++;
  return Array.from({ length: count }, (_, i) => `{${prefix}${tag}}:${i}`);
}

export function slotOf(key: string): number {
  return calculateSlot(key);
}

export function clusterClient(set: TestNodes, password?: string): Cluster {
  const c = new Cluster(
    set.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      redisOptions: { password },
      clusterRetryStrategy: (times) => (times > 20 ? null : 100),
    },
  );
  c.on('error', () => {});
  return c;
}

/** Clusters for scaling tests: a running cluster plus spare empty nodes, keys loaded and known. */
import { Redis } from 'ioredis';
import { addNode } from '../../src/ops/add-node.js';
import { parseAddress } from '../../src/redis/address.js';
import { startCluster } from './cluster.js';
import { benchKey, benchValue, loadKeys } from './load-keys.js';
import { type StartOptions, TestNodes } from './redis-nodes.js';

export interface ScaleCluster {
  /** The cluster's nodes (masters first, then replicas, as startCluster makes them). */
  set: TestNodes;
  /** Spare empty cluster-enabled nodes, not yet in the cluster. */
  spare: TestNodes;
  seed: string;
  expected: Map<string, string>;
  stop: () => Promise<void>;
  /** Every node, cluster and spare. */
  all: () => TestNodes['nodes'];
}

export async function scaleCluster(masters: number, replicas: number, spare: number, keys: number, opts: StartOptions = {}): Promise<ScaleCluster> {
  const [set, extra] = await Promise.all([startCluster(masters, replicas, opts), TestNodes.start(spare, opts)]);
  const stop = async () => {
    await Promise.all([set.stop(), extra.stop()]);
  };
  try {
    await loadKeys(set.nodes[0]!, keys, { password: opts.password });
  } catch (err) {
    await stop();
    throw err;
  }
  const expected = new Map(Array.from({ length: keys }, (_, i) => [benchKey(i), benchValue(i)] as [string, string]));
  return { set, spare: extra, seed: set.addresses[0]!, expected, stop, all: () => [...set.nodes, ...extra.nodes] };
}

/** Adds spare node i as an empty master through the engine (the CLI is tested elsewhere). */
export async function addSpareMaster(c: ScaleCluster, i: number): Promise<string> {
  await addNode({ seeds: [parseAddress(c.seed)], node: parseAddress(c.spare.addresses[i]!), asReplica: false });
  return nodeId(c.spare.addresses[i]!);
}

export async function nodeId(address: string): Promise<string> {
  const [host, port] = address.split(':') as [string, string];
  const r = new Redis({ host, port: Number(port), lazyConnect: true });
  try {
    await r.connect();
    return (await r.call('CLUSTER', 'MYID')) as string;
  } finally {
    r.disconnect();
  }
}

/** Slots a node owns in its own view. */
export async function slotsOf(address: string): Promise<number> {
  const [host, port] = address.split(':') as [string, string];
  const r = new Redis({ host, port: Number(port), lazyConnect: true });
  try {
    await r.connect();
    const myId = (await r.call('CLUSTER', 'MYID')) as string;
    const nodes = (await r.call('CLUSTER', 'NODES')) as string;
    const line = nodes.split('\n').find((l) => l.startsWith(myId))!;
    return line
      .split(' ')
      .slice(8)
      .filter((t) => !t.startsWith('['))
      .reduce((n, t) => {
        const [a, b] = t.split('-').map(Number) as [number, number | undefined];
        return n + (b === undefined ? 1 : b - a + 1);
      }, 0);
  } finally {
    r.disconnect();
  }
}

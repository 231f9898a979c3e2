import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { ConnectOptions } from '../redis/connection.js';
import { NodePool, withPool } from '../redis/pool.js';
import { errorText } from '../errors.js';
import { parseClusterNodes } from './cluster-nodes.js';
import { capabilitiesOf, engineFromInfo } from './engine.js';
import { parseInfo, parseNodeLoad, parseReplicationInfo } from './info.js';
import type { ClusterModel, ObservedNode, UnreachableNode } from './model.js';

export interface ObserveOptions extends ConnectOptions {
  /** Use this pool (and leave it open) instead of a private one. */
  pool?: NodePool;
  /** Only read the seeds; do not follow their tables to other nodes. */
  seedsOnly?: boolean;
}

/**
 * Reads the cluster starting from the seeds and following every address any
 * node lists, so one reachable node is enough to find them all.
 */
export async function observeCluster(seeds: NodeAddress[], opts: ObserveOptions = {}): Promise<ClusterModel> {
  if (opts.pool) return observeWith(opts.pool, seeds, opts.seedsOnly ?? false);
  return withPool(opts, (pool) => observeWith(pool, seeds, opts.seedsOnly ?? false));
}

async function observeWith(pool: NodePool, seeds: NodeAddress[], seedsOnly: boolean): Promise<ClusterModel> {
  const seen = new Set<string>();
  const nodes: ObservedNode[] = [];
  const unreachable: UnreachableNode[] = [];
  const heardIds = new Map<string, string>(); // address -> id, from peers' tables
  let frontier = seeds.filter((a) => !seen.has(formatAddress(a)));
  frontier.forEach((a) => seen.add(formatAddress(a)));

  while (frontier.length > 0) {
    const results = await Promise.allSettled(frontier.map((a) => readNode(pool, a)));
    const next: NodeAddress[] = [];
    results.forEach((r, i) => {
      const addr = frontier[i]!;
      if (r.status === 'rejected') {
        unreachable.push({ address: addr, id: heardIds.get(formatAddress(addr)), error: errorText(r.reason) });
        return;
      }
      nodes.push(r.value);
      if (seedsOnly) return;
      for (const line of r.value.table) {
        if (line.myself || !line.host || line.port === 0) continue;
        if (line.flags.includes('noaddr') || line.flags.includes('handshake')) continue;
        const a = { host: line.host, port: line.port };
        const key = formatAddress(a);
        heardIds.set(key, line.id);
        if (!seen.has(key)) {
          seen.add(key);
          next.push(a);
        }
      }
    });
    frontier = next;
  }

  // The same node can be listed under an old address by some peers; keep the live one.
  const liveIds = new Set(nodes.map((n) => n.id).filter(Boolean));
  const deduped = nodes.filter((n, i) => !n.id || nodes.findIndex((m) => m.id === n.id) === i);
  return {
    nodes: deduped.sort((a, b) => formatAddress(a.address).localeCompare(formatAddress(b.address), 'en', { numeric: true })),
    unreachable: unreachable.filter((u) => !u.id || !liveIds.has(u.id)),
    observedAt: Date.now(),
  };
}

/** Everything the engine needs from one node, in one round trip. */
export async function readNode(pool: NodePool, addr: NodeAddress): Promise<ObservedNode> {
  const client = await pool.get(addr);
  const res = await client
    .pipeline()
    .call('CLUSTER', 'NODES')
    .call('CLUSTER', 'INFO')
    // stats: sync_partial_err (controller/divergence.ts); server: the engine; memory, clients and ops/s feed the metrics (controller/metrics.ts)
    .info('replication', 'stats', 'server', 'memory', 'clients')
    .dbsize()
    // cluster-blacklist-ttl: Valkey only; the announce pair: what clients are told (plan/heal/external.ts)
    .config('GET', 'cluster-node-timeout', 'cluster-replica-no-failover', 'cluster-blacklist-ttl', 'cluster-announce-hostname', 'cluster-preferred-endpoint-type')
    // The keeper's own user: closed with the rest when the member started closed (spec/admission.ts, spec/keeper-users.ts).
    .call('ACL', 'GETUSER', pool.options.profile?.username ?? 'default')
    .exec();
  if (!res) throw new Error(`${formatAddress(addr)}: no reply`);
  const [nodesRes, infoRes, replRes, sizeRes, configRes, aclRes] = res;
  const admissionPending = !aclRes?.[0] && isClosedUser(aclRes?.[1]);
  const config = configPairs(configRes?.[1]);
  const nodeTimeoutMs = config.has('cluster-node-timeout') ? Number(config.get('cluster-node-timeout')) : undefined;
  const replicaNoFailover = config.has('cluster-replica-no-failover') ? config.get('cluster-replica-no-failover') === 'yes' : undefined;
  // An INFO that failed would read as a master with no replicas: never guess a role.
  if (replRes![0]) throw new Error(`${formatAddress(addr)}: INFO failed: ${errorText(replRes![0])}`);
  const infoText = String(replRes![1] ?? '');
  const engine = engineFromInfo(parseInfo(infoText));
  const caps = capabilitiesOf(engine, config.has('cluster-blacklist-ttl') ? Number(config.get('cluster-blacklist-ttl')) : undefined);
  const about = { ...(engine ? { engine } : {}), caps };
  const replication = parseReplicationInfo(infoText);
  const keys = Number(sizeRes![1] ?? 0);
  const load = parseNodeLoad(infoText);
  if (nodesRes![0]) {
    if (/cluster support disabled/i.test(errorText(nodesRes![0]))) {
      return { address: addr, clusterEnabled: false, id: '', table: [], clusterInfo: new Map(), replication, keys, nodeTimeoutMs, ...about };
    }
    throw new Error(`${formatAddress(addr)}: CLUSTER NODES failed: ${errorText(nodesRes![0])}`);
  }
  const table = parseClusterNodes(String(nodesRes![1]));
  const self = table.find((l) => l.myself);
  return {
    address: addr,
    clusterEnabled: true,
    id: self?.id ?? '',
    self,
    table,
    clusterInfo: parseInfo(String(infoRes![1] ?? '')),
    replication,
    keys,
    nodeTimeoutMs,
    ...(replicaNoFailover !== undefined ? { replicaNoFailover } : {}),
    ...(config.has('cluster-preferred-endpoint-type')
      ? { announced: { hostname: config.get('cluster-announce-hostname') ?? '', preferred: config.get('cluster-preferred-endpoint-type')! } }
      : {}),
    ...about,
    ...(load ? { load } : {}),
    ...(admissionPending ? { admissionPending } : {}),
  };
}

/** CONFIG GET's flat name/value reply as a map (names Redis does not know are absent). */
function configPairs(reply: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), String(reply[i + 1]));
  return out;
}

/** ACL GETUSER's reply (flat key/value array) denies PSYNC: the start script closed the node. */
function isClosedUser(reply: unknown): boolean {
  if (!Array.isArray(reply)) return false;
  const i = reply.indexOf('commands');
  const commands = i >= 0 ? reply[i + 1] : undefined;
  return typeof commands === 'string' && commands.split(' ').includes('-psync');
}

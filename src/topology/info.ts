/** Parsers for INFO and CLUSTER INFO replies (`key:value` lines). */

export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

export interface ReplicationInfo {
  role: 'master' | 'replica';
  /** Replica: the master it follows, as it connects to it. */
  masterHost?: string;
  masterPort?: number;
  masterLinkUp?: boolean;
  syncInProgress?: boolean;
  /** Seconds since the last interaction with the master, replicas only. */
  masterLastIoSecondsAgo?: number;
  /** Replica with its link down: seconds it has been down (-1: never connected). */
  masterLinkDownSinceSeconds?: number;
  /** master_repl_offset on a master, slave_repl_offset on a replica. */
  offset: number;
  /** Master: replicas as it sees them. */
  replicas: { host: string; port: number; state: string; offset: number; lagSeconds: number }[];
  /** master_replid: the replication history it serves (a master) or follows (a replica). */
  replid?: string;
  /**
   * master_replid2 and second_repl_offset, set when it was promoted: it continues the
   * history replid2 up to (not including) second_repl_offset. A follower of that history
   * asking for more than that had writes this node never got.
   */
  replid2?: string;
  secondReplOffset?: number;
  /** sync_partial_err (INFO stats, when read): PSYNC requests it refused. */
  syncPartialErr?: number;
  /** sync_full (INFO stats, when read): full resyncs it served (a refused PSYNC, or a plain SYNC). */
  syncFull?: number;
}

/** What a node reports of its load (INFO memory, clients, stats), for metrics. */
export interface NodeLoad {
  usedMemoryBytes: number;
  /** 0: no limit. */
  maxMemoryBytes: number;
  connectedClients: number;
  opsPerSec: number;
}

/** The NodeLoad in an INFO reply that has the memory, clients and stats sections; undefined without them. */
export function parseNodeLoad(text: string): NodeLoad | undefined {
  const m = parseInfo(text);
  if (!m.has('used_memory')) return undefined;
  return {
    usedMemoryBytes: Number(m.get('used_memory')),
    maxMemoryBytes: Number(m.get('maxmemory') ?? 0),
    connectedClients: Number(m.get('connected_clients') ?? 0),
    opsPerSec: Number(m.get('instantaneous_ops_per_sec') ?? 0),
  };
}

const NO_REPLID = /^0+$/;

export function parseReplicationInfo(text: string): ReplicationInfo {
  const m = parseInfo(text);
  const role = m.get('role') === 'slave' ? 'replica' : 'master';
  const replicas: ReplicationInfo['replicas'] = [];
  for (const [k, v] of m) {
    if (!/^slave\d+$/.test(k)) continue;
    const fields = new Map(v.split(',').map((kv) => kv.split('=') as [string, string]));
    replicas.push({
      host: fields.get('ip') ?? '',
      port: Number(fields.get('port') ?? 0),
      state: fields.get('state') ?? '',
      offset: Number(fields.get('offset') ?? 0),
      lagSeconds: Number(fields.get('lag') ?? 0),
    });
  }
  const history = {
    ...(m.get('master_replid') ? { replid: m.get('master_replid') } : {}),
    ...(m.get('master_replid2') && !NO_REPLID.test(m.get('master_replid2')!) ? { replid2: m.get('master_replid2'), secondReplOffset: Number(m.get('second_repl_offset')) } : {}),
    ...(m.has('sync_partial_err') ? { syncPartialErr: Number(m.get('sync_partial_err')) } : {}),
    ...(m.has('sync_full') ? { syncFull: Number(m.get('sync_full')) } : {}),
  };
  if (role === 'master') return { role, offset: Number(m.get('master_repl_offset') ?? 0), replicas, ...history };
  return {
    role,
    ...history,
    masterHost: m.get('master_host'),
    masterPort: m.has('master_port') ? Number(m.get('master_port')) : undefined,
    masterLinkUp: m.get('master_link_status') === 'up',
    syncInProgress: m.get('master_sync_in_progress') === '1',
    masterLastIoSecondsAgo: m.has('master_last_io_seconds_ago') ? Number(m.get('master_last_io_seconds_ago')) : undefined,
    masterLinkDownSinceSeconds: m.has('master_link_down_since_seconds') ? Number(m.get('master_link_down_since_seconds')) : undefined,
    offset: Number(m.get('slave_repl_offset') ?? 0),
    replicas,
  };
}

/** A flat, per-node summary of the model: what `rck status` shows and prints as JSON. */
import { formatAddress } from '../redis/address.js';
import type { ClusterModel, ObservedNode } from './model.js';
import { isMaster, nodeName, uncoveredSlots } from './model.js';
import { SLOT_COUNT, countSlots, formatRanges } from './slots.js';

export interface NodeStatus {
  id: string;
  address: string;
  role: 'master' | 'replica' | 'unreachable' | 'standalone';
  masterId?: string;
  masterAddress?: string;
  slots: number;
  slotRanges: string;
  keys: number;
  /** Replica: replication link up/down/syncing. */
  link?: 'up' | 'down' | 'syncing';
  /** Replica: bytes of replication stream behind its master. */
  lagBytes?: number;
  /** Flags peers set on it (fail, fail?), from the majority's view. */
  flags: string[];
  configEpoch?: number;
  clusterState?: string;
}

export interface ClusterSummary {
  state: 'ok' | 'fail' | 'unknown';
  slotsCovered: number;
  masters: number;
  replicas: number;
  keys: number;
  nodes: NodeStatus[];
}

export function summarizeCluster(model: ClusterModel): ClusterSummary {
  const nodes: NodeStatus[] = model.nodes.map((n) => nodeStatus(n, model));
  for (const u of model.unreachable) {
    nodes.push({ id: u.id ?? '', address: formatAddress(u.address), role: 'unreachable', slots: 0, slotRanges: '-', keys: 0, flags: [] });
  }
  const states = new Set(model.nodes.map((n) => n.clusterInfo.get('cluster_state')));
  const masters = model.nodes.filter(isMaster);
  return {
    state: model.nodes.length === 0 ? 'unknown' : states.size === 1 && states.has('ok') && model.unreachable.length === 0 ? 'ok' : 'fail',
    slotsCovered: SLOT_COUNT - uncoveredSlots(model).length,
    masters: masters.length,
    replicas: model.nodes.filter((n) => n.self?.role === 'replica').length,
    keys: masters.reduce((sum, m) => sum + m.keys, 0),
    nodes,
  };
}

function nodeStatus(n: ObservedNode, model: ClusterModel): NodeStatus {
  if (!n.clusterEnabled || !n.self) {
    return { id: '', address: nodeName(n), role: 'standalone', slots: 0, slotRanges: '-', keys: n.keys, flags: [] };
  }
  const master = n.self.masterId ? model.nodes.find((m) => m.id === n.self!.masterId) : undefined;
  const base: NodeStatus = {
    id: n.id,
    address: nodeName(n),
    role: n.self.role,
    slots: countSlots(n.self.slots),
    slotRanges: formatRanges(n.self.slots),
    keys: n.keys,
    flags: flagsSeenByPeers(n, model),
    configEpoch: n.self.configEpoch,
    clusterState: n.clusterInfo.get('cluster_state'),
  };
  if (n.self.role !== 'replica') return base;
  return {
    ...base,
    masterId: n.self.masterId,
    masterAddress: master ? nodeName(master) : undefined,
    link: n.replication.masterLinkUp ? 'up' : n.replication.syncInProgress ? 'syncing' : 'down',
    lagBytes: master && n.replication.masterLinkUp ? Math.max(0, master.replication.offset - n.replication.offset) : undefined,
  };
}

/** fail / fail? flags that at least half of the other nodes set on this node. */
function flagsSeenByPeers(n: ObservedNode, model: ClusterModel): string[] {
  const counts = new Map<string, number>();
  const peers = model.nodes.filter((p) => p.id !== n.id);
  for (const p of peers) {
    const line = p.table.find((l) => l.id === n.id);
    for (const f of line?.flags ?? []) if (f === 'fail' || f === 'fail?') counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  return [...counts].filter(([, c]) => c * 2 >= peers.length && peers.length > 0).map(([f]) => f);
}

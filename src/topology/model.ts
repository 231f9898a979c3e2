/**
 * The observed model of a cluster: every node we could reach, each with its own
 * view of the cluster, plus the addresses we heard of but could not reach.
 * Pure data; helpers here only read it.
 */
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodeLine } from './cluster-nodes.js';
import { BASELINE_CAPABILITIES, type Capabilities, type Engine } from './engine.js';
import type { NodeLoad, ReplicationInfo } from './info.js';
import { SLOT_COUNT, type SlotRange, countSlots } from './slots.js';

export interface ObservedNode {
  /** The address we reached it at. */
  address: NodeAddress;
  clusterEnabled: boolean;
  /** Empty when cluster support is disabled. */
  id: string;
  /** Its own line of CLUSTER NODES (role, slots, open slots, epoch). */
  self?: NodeLine;
  /** Its whole view of the cluster, itself included. */
  table: NodeLine[];
  clusterInfo: Map<string, string>;
  replication: ReplicationInfo;
  keys: number;
  /** Memory, clients and ops/s from the same INFO (absent in older fixtures). */
  load?: NodeLoad;
  /** cluster-node-timeout it runs with now (CONFIG GET), when readable. */
  nodeTimeoutMs?: number;
  /** cluster-replica-no-failover (a crash hold sets it on replicas, ops/failover-hold.ts). */
  replicaNoFailover?: boolean;
  /** cluster-announce-hostname and cluster-preferred-endpoint-type (ip, hostname, unknown-endpoint), when read. */
  announced?: { hostname: string; preferred: string };
  /** The server it runs (INFO server), when it said. */
  engine?: Engine;
  /** What that server does differently (topology/engine.ts); read `nodeCaps(n)`. */
  caps?: Capabilities;
  /**
   * It started closed (see manifests/scripts.ts and spec/admission.ts): its default user may
   * not PSYNC/SYNC/REPLCONF, read or write, because it restarted without the data its
   * nodes.conf says it owns. It waits for the controller to admit it.
   */
  admissionPending?: boolean;
}

export interface UnreachableNode {
  address: NodeAddress;
  /** Node id when we learned the address from a peer's table. */
  id?: string;
  error: string;
}

export interface ClusterModel {
  nodes: ObservedNode[];
  unreachable: UnreachableNode[];
  observedAt: number;
}

export function nodeName(n: { address: NodeAddress }): string {
  return formatAddress(n.address);
}

/** Why a node cannot join a new cluster, or undefined when it can. */
export function emptyNodeProblem(n: ObservedNode): string | undefined {
  if (!n.clusterEnabled) return 'cluster support is disabled (set cluster-enabled yes)';
  if (n.keys > 0) return `not empty: holds ${n.keys} key(s)`;
  if (n.table.length > 1) return `already in a cluster: knows ${n.table.length - 1} other node(s)`;
  if (n.self && countSlots(n.self.slots) > 0) return `already has ${countSlots(n.self.slots)} slot(s) assigned`;
  if (n.self?.role === 'replica') return 'already a replica';
  return undefined;
}

/** The node's capabilities: Redis 7.0's when it was not read (a model built by hand). */
export function nodeCaps(n: ObservedNode): Capabilities {
  return n.caps ?? BASELINE_CAPABILITIES;
}

export function isMaster(n: ObservedNode): boolean {
  return n.self?.role === 'master';
}

export function replicasOf(model: ClusterModel, masterId: string): ObservedNode[] {
  return model.nodes.filter((n) => n.self?.role === 'replica' && n.self.masterId === masterId);
}

export function nodeById(model: ClusterModel, id: string): ObservedNode | undefined {
  return model.nodes.find((n) => n.id === id);
}

export function slotCount(n: ObservedNode): number {
  return countSlots(n.self?.slots ?? []);
}

/** For each slot, the ids of the masters that claim it in their own config. */
export function slotClaims(model: ClusterModel): readonly (readonly string[])[] {
  // Shared arrays, not one per slot: every controller pass calls this (plan/check.ts), and
  // 16384 arrays a call showed in the idle operator's profile. Slots several masters claim get their own.
  const none: readonly string[] = [];
  const claims = new Array<readonly string[]>(SLOT_COUNT).fill(none);
  for (const n of model.nodes) {
    if (!n.self || n.self.role !== 'master') continue;
    const mine = [n.id];
    for (const r of n.self.slots) for (let s = r.start; s <= r.end; s++) claims[s] = claims[s]!.length === 0 ? mine : [...claims[s]!, n.id];
  }
  return claims;
}

/** Slots no reachable master claims. */
export function uncoveredSlots(model: ClusterModel): number[] {
  const out: number[] = [];
  slotClaims(model).forEach((c, s) => {
    if (c.length === 0) out.push(s);
  });
  return out;
}

/** Slots in migrating or importing state on any node. */
export function openSlots(model: ClusterModel): number[] {
  const set = new Set<number>();
  for (const n of model.nodes) {
    for (const s of n.self?.migrating.keys() ?? []) set.add(s);
    for (const s of n.self?.importing.keys() ?? []) set.add(s);
  }
  return [...set].sort((a, b) => a - b);
}

/** A signature of the slot map as one node sees it, to compare views (redis-cli's "config signature"). */
export function configSignature(n: ObservedNode): string {
  return n.table
    .filter((l) => l.slots.length > 0)
    .map((l) => `${l.id}:${l.slots.map((r: SlotRange) => `${r.start}-${r.end}`).join(',')}`)
    .sort()
    .join('|');
}

/** Failure domain of a node: given explicitly, else the host part of its address. */
export function domainOf(addr: NodeAddress, domains?: ReadonlyMap<string, string>): string {
  return domains?.get(formatAddress(addr)) ?? addr.host;
}

/**
 * planCreate: which nodes become masters, which replicate whom, and which slots
 * each master gets. Pure and deterministic.
 *
 * 'spread' (default): masters interleaved across failure domains first, then
 * each replica placed in a domain different from its master (and from the
 * shard's other replicas) whenever possible, fixed up by pairwise swaps.
 * 'ordinal': nodes[0..M-1] are masters in order, nodes[M+i] replicates master
 * i mod M: the layout of the classic StatefulSet deployment.
 */
import { InputError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import { type SlotRange, splitSlots } from '../topology/slots.js';

export interface PlanNode {
  address: NodeAddress;
  domain: string;
}

export interface PlannedShard {
  master: PlanNode;
  slots: SlotRange;
  replicas: PlanNode[];
}

export interface CreateLayout {
  shards: PlannedShard[];
  /** 100 when every anti-affinity rule holds; lower for each rule broken. */
  score: number;
  warnings: string[];
}

export type Placement = 'spread' | 'ordinal';

export const MIN_MASTERS = 3;

/** cluster-node-timeout while create builds the cluster (failover off meanwhile): the heal rule puts the spec's back after an interrupted create. */
export const BOOTSTRAP_NODE_TIMEOUT_MS = 500;

export function planCreate(nodes: readonly PlanNode[], replicasPerMaster: number, placement: Placement = 'spread'): CreateLayout {
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) {
    throw new InputError(`invalid replicas per master ${replicasPerMaster}: expected an integer >= 0`);
  }
  const masterCount = Math.floor(nodes.length / (replicasPerMaster + 1));
  if (masterCount < MIN_MASTERS) {
    throw new InputError(
      `${nodes.length} nodes with ${replicasPerMaster} replica(s) per master give ${masterCount} master(s); ` +
        `a cluster needs at least ${MIN_MASTERS} masters, so at least ${MIN_MASTERS * (replicasPerMaster + 1)} nodes`,
    );
  }
  const shards = placement === 'ordinal' ? placeOrdinal(nodes, masterCount) : placeSpread(nodes, masterCount);
  const slots = splitSlots(masterCount);
  shards.forEach((s, i) => (s.slots = slots[i]!));
  return { shards, ...scoreLayout(shards, nodes) };
}

function placeOrdinal(nodes: readonly PlanNode[], masterCount: number): PlannedShard[] {
  const shards = nodes.slice(0, masterCount).map((master) => ({ master, slots: { start: 0, end: -1 }, replicas: [] as PlanNode[] }));
  nodes.slice(masterCount).forEach((n, i) => shards[i % masterCount]!.replicas.push(n));
  return shards;
}

/** Nodes grouped by domain, biggest domain first (ties by name), input order kept inside a domain. */
function byDomain(nodes: readonly PlanNode[]): PlanNode[][] {
  const groups = new Map<string, PlanNode[]>();
  for (const n of nodes) groups.set(n.domain, [...(groups.get(n.domain) ?? []), n]);
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([, g]) => g);
}

function placeSpread(nodes: readonly PlanNode[], masterCount: number): PlannedShard[] {
  // Masters: one per domain per round, so they land in as many domains as exist.
  const groups = byDomain(nodes).map((g) => [...g]);
  const masters: PlanNode[] = [];
  while (masters.length < masterCount) {
    for (const g of groups) {
      if (masters.length < masterCount && g.length > 0) masters.push(g.shift()!);
    }
  }
  const shards: PlannedShard[] = masters.map((master) => ({ master, slots: { start: 0, end: -1 }, replicas: [] }));

  // Replicas: fill shards round by round; each takes a remaining node from the
  // domain with most nodes left that is not its master's (nor its replicas') domain.
  const left = groups.flat();
  const total = nodes.length - masterCount;
  for (let placed = 0; placed < total; placed++) {
    const shard = shards.reduce((best, s) => (s.replicas.length < best.replicas.length ? s : best), shards[0]!);
    const used = new Set([shard.master.domain, ...shard.replicas.map((r) => r.domain)]);
    const remaining = new Map<string, number>();
    for (const n of left) remaining.set(n.domain, (remaining.get(n.domain) ?? 0) + 1);
    const rank = (n: PlanNode) => [used.has(n.domain) ? 1 : 0, n.domain === shard.master.domain ? 1 : 0, -(remaining.get(n.domain) ?? 0)];
    let bestIdx = 0;
    for (let i = 1; i < left.length; i++) {
      if (compareTuples(rank(left[i]!), rank(left[bestIdx]!)) < 0) bestIdx = i;
    }
    shard.replicas.push(left.splice(bestIdx, 1)[0]!);
  }
  repairBySwaps(shards);
  return shards;
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Swaps replicas between shards while that removes a replica sharing its master's domain. */
function repairBySwaps(shards: PlannedShard[]): void {
  let improved = true;
  while (improved) {
    improved = false;
    for (const a of shards) {
      for (let i = 0; i < a.replicas.length; i++) {
        const ra = a.replicas[i]!;
        if (ra.domain !== a.master.domain) continue;
        for (const b of shards) {
          if (b === a) continue;
          const j = b.replicas.findIndex((rb) => rb.domain !== a.master.domain && ra.domain !== b.master.domain);
          if (j < 0) continue;
          a.replicas[i] = b.replicas[j]!;
          b.replicas[j] = ra;
          improved = true;
          break;
        }
        if (improved) break;
      }
      if (improved) break;
    }
  }
}

function scoreLayout(shards: PlannedShard[], nodes: readonly PlanNode[]): { score: number; warnings: string[] } {
  const warnings: string[] = [];
  const domainCount = new Set(nodes.map((n) => n.domain)).size;
  const masterDomains = new Map<string, string[]>();
  for (const s of shards) masterDomains.set(s.master.domain, [...(masterDomains.get(s.master.domain) ?? []), formatAddress(s.master.address)]);
  const masterCollisions = shards.length - masterDomains.size;
  if (masterCollisions > 0 && domainCount > 1) {
    const shared = [...masterDomains.entries()].filter(([, m]) => m.length > 1).map(([d, m]) => `${d} (${m.join(', ')})`);
    warnings.push(`masters share a failure domain: ${shared.join('; ')}` + (domainCount < shards.length ? ` (only ${domainCount} domains for ${shards.length} masters)` : ''));
  }
  let replicaCollisions = 0;
  let replicaTotal = 0;
  for (const s of shards) {
    for (const r of s.replicas) {
      replicaTotal++;
      if (r.domain === s.master.domain) {
        replicaCollisions++;
        if (domainCount > 1) {
          warnings.push(
            `replica ${formatAddress(r.address)} is in the same failure domain (${r.domain}) as its master ${formatAddress(s.master.address)}: no other domain had a node left`,
          );
        }
      }
    }
  }
  if (domainCount === 1 && nodes.length > 1 && (replicaTotal > 0 || shards.length > 1)) {
    warnings.push(`all nodes are in one failure domain (${nodes[0]!.domain}): losing it loses the cluster; give domains with --domain host:port=zone`);
  }
  const rules = shards.length + replicaTotal;
  const score = Math.round(100 * (1 - (masterCollisions + replicaCollisions) / rules));
  return { score, warnings };
}

/**
 * checkCluster: everything redis-cli --cluster check looks at (configuration
 * agreement, open slots, coverage, multiple owners) plus node and replica
 * health, as findings with a severity. Pure over the observed model.
 */
import { formatAddress } from '../redis/address.js';
import type { ClusterModel, ObservedNode } from '../topology/model.js';
import { configSignature, domainOf, isMaster, nodeName, replicasOf, slotClaims } from '../topology/model.js';
import { formatRanges, rangesFromSlots } from '../topology/slots.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  code: string;
  /** Node at fault, host:port (or "cluster"). */
  node: string;
  message: string;
  slots?: number[];
}

export interface CheckOptions {
  /** Replicas each master should have; when absent, expected if any master has one. */
  replicasPerMaster?: number;
  domains?: ReadonlyMap<string, string>;
  /** node id -> slot -> number of keys, for the slots worth asking about (uncovered, open). */
  slotKeys?: ReadonlyMap<string, ReadonlyMap<number, number>>;
}

export function isHealthy(findings: readonly Finding[]): boolean {
  return findings.every((f) => f.severity !== 'error');
}

export function checkCluster(model: ClusterModel, opts: CheckOptions = {}): Finding[] {
  return [
    ...reachability(model),
    ...agreement(model),
    ...openSlotFindings(model),
    ...coverage(model, opts),
    ...nodeHealth(model),
    ...replication(model, opts),
    ...placement(model, opts),
  ];
}

function reachability(model: ClusterModel): Finding[] {
  const out: Finding[] = model.unreachable.map((u) => ({
    severity: 'error' as const,
    code: 'unreachable',
    node: formatAddress(u.address),
    message: `cannot be reached: ${u.error}`,
  }));
  for (const n of model.nodes) {
    if (!n.clusterEnabled) out.push({ severity: 'error', code: 'cluster-disabled', node: nodeName(n), message: 'cluster support is disabled' });
  }
  return out;
}

function agreement(model: ClusterModel): Finding[] {
  const groups = new Map<string, ObservedNode[]>();
  for (const n of model.nodes.filter((m) => m.clusterEnabled)) {
    const sig = configSignature(n);
    groups.set(sig, [...(groups.get(sig) ?? []), n]);
  }
  if (groups.size <= 1) return [];
  const sorted = [...groups.values()].sort((a, b) => b.length - a.length);
  return sorted.slice(1).flatMap((g) =>
    g.map((n) => ({
      severity: 'error' as const,
      code: 'config-disagreement',
      node: nodeName(n),
      message: 'disagrees with the majority about which node owns which slots',
    })),
  );
}

function openSlotFindings(model: ClusterModel): Finding[] {
  const out: Finding[] = [];
  const nameOf = (id: string) => {
    const n = model.nodes.find((m) => m.id === id);
    return n ? nodeName(n) : id.slice(0, 8);
  };
  for (const n of model.nodes) {
    for (const [slot, to] of n.self?.migrating ?? []) {
      out.push({ severity: 'error', code: 'open-slot', node: nodeName(n), slots: [slot], message: `slot ${slot} is migrating to ${nameOf(to)}` });
    }
    for (const [slot, from] of n.self?.importing ?? []) {
      out.push({ severity: 'error', code: 'open-slot', node: nodeName(n), slots: [slot], message: `slot ${slot} is importing from ${nameOf(from)}` });
    }
  }
  return out;
}

function coverage(model: ClusterModel, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const claims = slotClaims(model);
  const uncovered: number[] = [];
  const multi = new Map<string, number[]>();
  claims.forEach((ids, slot) => {
    if (ids.length === 0) uncovered.push(slot);
    if (ids.length > 1) {
      const key = [...ids].sort().join(',');
      multi.set(key, [...(multi.get(key) ?? []), slot]);
    }
  });
  if (uncovered.length > 0 && model.nodes.length > 0) {
    out.push({
      severity: 'error',
      code: 'uncovered-slots',
      node: 'cluster',
      slots: uncovered,
      message: `${uncovered.length} slot(s) not served by any reachable master: ${formatRanges(rangesFromSlots(uncovered))}`,
    });
  }
  for (const [key, slots] of multi) {
    const names = key.split(',').map((id) => nodeName(model.nodes.find((n) => n.id === id)!));
    out.push({
      severity: 'error',
      code: 'multiple-owners',
      node: names[0]!,
      slots,
      message: `slot(s) ${formatRanges(rangesFromSlots(slots))} claimed by several masters: ${names.join(', ')}`,
    });
  }
  // Keys sitting in a slot their node does not own (left by a failed migration or a manual mistake).
  for (const [id, perSlot] of opts.slotKeys ?? []) {
    const n = model.nodes.find((m) => m.id === id);
    if (!n) continue;
    const owned = new Set(claims.flatMap((ids, slot) => (ids.includes(id) ? [slot] : [])));
    // An importing node holding keys is the normal middle of a migration, reported as an open slot.
    const stray = [...perSlot].filter(([slot, count]) => count > 0 && !owned.has(slot) && !n.self?.importing.has(slot)).map(([slot]) => slot);
    if (stray.length > 0) {
      out.push({
        severity: 'error',
        code: 'keys-in-unowned-slot',
        node: nodeName(n),
        slots: stray,
        message: `holds keys in slot(s) it does not own: ${formatRanges(rangesFromSlots(stray))}`,
      });
    }
  }
  return out;
}

function nodeHealth(model: ClusterModel): Finding[] {
  const out: Finding[] = [];
  for (const n of model.nodes.filter((m) => m.clusterEnabled)) {
    const state = n.clusterInfo.get('cluster_state');
    if (state !== 'ok') out.push({ severity: 'error', code: 'cluster-state', node: nodeName(n), message: `reports cluster_state:${state ?? 'unknown'}` });
    for (const line of n.table) {
      if (line.myself) continue;
      const peer = model.nodes.find((m) => m.id === line.id);
      const peerName = peer ? nodeName(peer) : `${line.host}:${line.port} (${line.id.slice(0, 8)})`;
      const serious = line.flags.filter((f) => f === 'fail' || f === 'noaddr');
      const passing = line.flags.filter((f) => f === 'fail?' || f === 'handshake');
      if (serious.length > 0) out.push({ severity: 'error', code: 'node-flagged', node: nodeName(n), message: `sees ${peerName} as ${serious.join(',')}` });
      else if (passing.length > 0) out.push({ severity: 'warning', code: 'node-flagged', node: nodeName(n), message: `sees ${peerName} as ${passing.join(',')}` });
      else if (line.linkState !== 'connected') out.push({ severity: 'warning', code: 'bus-link-down', node: nodeName(n), message: `cluster bus link to ${peerName} is down` });
    }
  }
  return out;
}

function replication(model: ClusterModel, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const masters = model.nodes.filter(isMaster);
  for (const n of model.nodes) {
    if (n.self?.role !== 'replica') continue;
    const master = n.self.masterId ? model.nodes.find((m) => m.id === n.self!.masterId) : undefined;
    if (!master) {
      out.push({
        severity: 'error',
        code: 'replica-unknown-master',
        node: nodeName(n),
        message: `replicates ${n.self.masterId?.slice(0, 8) ?? 'nothing'}, which is not a reachable node`,
      });
    } else if (!isMaster(master)) {
      out.push({ severity: 'warning', code: 'replica-of-replica', node: nodeName(n), message: `replicates ${nodeName(master)}, which is itself a replica` });
    } else if (!n.replication.masterLinkUp) {
      out.push({
        severity: 'error',
        code: 'replica-link-down',
        node: nodeName(n),
        message: n.replication.syncInProgress ? 'initial sync with its master in progress' : 'replication link to its master is down',
      });
    }
  }
  const expected = opts.replicasPerMaster ?? (masters.some((m) => replicasOf(model, m.id).length > 0) ? 1 : 0);
  for (const m of masters) {
    if ((m.self?.slots.length ?? 0) === 0) continue;
    const have = replicasOf(model, m.id).length;
    if (have < expected) {
      out.push({ severity: 'warning', code: 'missing-replicas', node: nodeName(m), message: `has ${have} replica(s), ${expected} expected` });
    }
  }
  return out;
}

function placement(model: ClusterModel, opts: CheckOptions): Finding[] {
  const out: Finding[] = [];
  const domain = (n: ObservedNode) => domainOf(n.address, opts.domains);
  if (new Set(model.nodes.map(domain)).size < 2) return out;
  const byDomain = new Map<string, ObservedNode[]>();
  for (const m of model.nodes.filter((n) => isMaster(n) && (n.self?.slots.length ?? 0) > 0)) {
    byDomain.set(domain(m), [...(byDomain.get(domain(m)) ?? []), m]);
  }
  for (const [d, ms] of byDomain) {
    if (ms.length > 1) {
      out.push({
        severity: 'warning',
        code: 'masters-same-domain',
        node: nodeName(ms[1]!),
        message: `masters ${ms.map(nodeName).join(', ')} share failure domain ${d}`,
      });
    }
  }
  for (const n of model.nodes) {
    const master = n.self?.role === 'replica' ? model.nodes.find((m) => m.id === n.self!.masterId) : undefined;
    if (master && domain(master) === domain(n)) {
      out.push({
        severity: 'warning',
        code: 'replica-same-domain',
        node: nodeName(n),
        message: `is in the same failure domain (${domain(n)}) as its master ${nodeName(master)}`,
      });
    }
  }
  return out;
}

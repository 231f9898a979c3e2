/**
 * Who takes over from a master whose process the platform saw exit? Pure.
 *
 * The platform knows for certain that the process is gone (it saw it exit), so this is
 * not Redis's failure detection racing a network partition: waiting for the node
 * timeout would only lengthen the outage. Worse, restarting the member in place first
 * is unsafe: it comes back with its node id and address, possibly without its data
 * (persistence off, a lost volume), and its replica would full-sync from it and flush
 * the only copy. So the replica is promoted first and the member rejoins as its replica.
 *
 *   a replica whose link was up when the master died  -> promote it (no acknowledged
 *     write is lost that the replica received)
 *   persistence off and only replicas that were behind -> still promote the one with the
 *     most data: the restarted master has none; report the loss
 *   persistence on and only stale replicas             -> restart in place from the AOF,
 *     and hold the replicas' own failover off until it is back: Redis would otherwise
 *     elect a stale replica after the node timeout, and the master, back with the writes
 *     on its AOF, would full-sync from it and drop them (campaign seed 34)
 *   no replica                                          -> restart in place; with
 *     persistence off nothing survived: report the loss
 *
 * "Link up" is not enough right after a full resync: until the master streams the writes
 * it buffered while the snapshot was made and sent, the replica holds only the snapshot.
 * A replica that received nothing since a snapshot it loaded less than a second before the
 * exit counts as behind (the AOF has those writes; the replica may not).
 */
import type { NodeAddress } from '../redis/address.js';
import type { NodeLine } from '../topology/cluster-nodes.js';
import type { ObservedNode } from '../topology/model.js';

export interface CrashPeer {
  member: string;
  node: ObservedNode;
  /** A replica's newest full resync, from its log (undefined: its newest sync was partial, or none is logged). */
  snapshot?: { replid: string; offset: number; loadedAt?: number };
}

/** A replica that loaded a full-resync snapshot this recently and received nothing after it may lack the writes of the sync window. */
export const FRESH_SNAPSHOT_MS = 1000;

export interface CrashFacts {
  /** Node id of the member that exited (from its volume's nodes.conf, or peers' tables). */
  deadId: string;
  deadAddress: NodeAddress;
  /** Every other member that answered just now. */
  peers: CrashPeer[];
  /** Seconds since the platform saw the process exit (a replica's link-down age is compared with it). */
  secondsSinceExit: number;
  /** When the process exited (ms since the epoch), to date a replica's snapshot against; optional for callers without logs. */
  exitedAt?: number;
  /** The member's data survives its restart (appendonly, and the AOF is on its volume). */
  persistence: boolean;
}

/** A replica whose own failover is held off while its master restarts from its AOF. */
export interface HeldReplica {
  member: string;
  address: NodeAddress;
}

export type CrashDecision =
  /**
   * Nothing to do before the restart: it was a replica, an empty master, or unknown. With
   * `hold`, it was a master whose AOF holds more than its replicas: they must not be
   * elected while it restarts (cluster-replica-no-failover until it is back).
   */
  | { kind: 'restart'; reason: string; hold?: HeldReplica[] }
  /** Promote `member` (FAILOVER FORCE, or TAKEOVER when too few masters can vote). */
  | { kind: 'promote'; member: string; address: NodeAddress; mode: 'force' | 'takeover'; inSync: boolean; replicaKeys: number; reason: string }
  /** A master with slots and no copy anywhere (persistence off): its data is gone. */
  | { kind: 'no-copy'; reason: string };

export function decideCrashSuccessor(f: CrashFacts): CrashDecision {
  const line = clusterLine(f);
  if (!line) return { kind: 'restart', reason: 'no peer knows its node id' };
  if (line.role !== 'master' || line.slots.length === 0) return { kind: 'restart', reason: 'it was not a master serving slots' };
  const replicas = f.peers.filter((p) => p.node.self?.role === 'replica' && p.node.self.masterId === f.deadId);
  const inSync = replicas.filter((p) => wasInSync(p.node, f.secondsSinceExit) && !lacksSyncWindow(p, f.exitedAt)).sort(byOffset);
  const mode = votingMode(f);
  if (inSync.length > 0) {
    const best = inSync[0]!;
    return promote(best, mode, true, `its replica ${best.member} was in sync when it exited (offset ${best.node.replication.offset})`);
  }
  if (!f.persistence) {
    const withData = replicas.filter((p) => p.node.keys > 0).sort(byOffset);
    if (withData.length > 0) {
      const best = withData[0]!;
      return promote(
        best,
        mode,
        false,
        `persistence is off, so it restarts empty; its replica ${best.member} was not in sync but holds ${best.node.keys} keys, the only copy left`,
      );
    }
    return { kind: 'no-copy', reason: replicas.length === 0 ? 'persistence is off and it has no replica' : 'persistence is off and its replicas hold no keys' };
  }
  if (replicas.length === 0) return { kind: 'restart', reason: 'it has no replica; it restarts from its AOF' };
  return {
    kind: 'restart',
    reason: `no replica was in sync (${replicas.map((p) => `${p.member}: ${behindReason(p, f)}`).join('; ')}); it restarts from its AOF, which holds more, and Redis's failover is held off until it is back`,
    hold: replicas.map((p) => ({ member: p.member, address: p.node.address })),
  };
}

/** The replica's newest sync was a full resync it loaded just before the exit, and nothing came after the snapshot. */
export function lacksSyncWindow(p: CrashPeer, exitedAt: number | undefined): boolean {
  const s = p.snapshot;
  const r = p.node.replication;
  if (!s || exitedAt === undefined || s.loadedAt === undefined) return false;
  return s.replid === r.replid && s.offset === r.offset && exitedAt - s.loadedAt < FRESH_SNAPSHOT_MS;
}

function behindReason(p: CrashPeer, f: CrashFacts): string {
  const r = p.node.replication;
  if (r.syncInProgress) return 'still syncing';
  if (lacksSyncWindow(p, f.exitedAt)) return `received nothing after the full-resync snapshot it loaded ${f.exitedAt! - p.snapshot!.loadedAt!} ms before the exit`;
  return r.masterLinkUp ? 'link up but behind' : `link down for ${r.masterLinkDownSinceSeconds ?? 'an unknown number of'} s`;
}

/**
 * The link was up when the master died: up still (it has not noticed yet), or down for
 * no longer than the process has been gone. A replica that was still syncing, or had lost
 * its link earlier, holds older data.
 */
export function wasInSync(n: ObservedNode, secondsSinceExit: number): boolean {
  const r = n.replication;
  if (r.role !== 'replica' || r.syncInProgress) return false;
  if (r.masterLinkUp) return true;
  const down = r.masterLinkDownSinceSeconds;
  // Redis counts in whole seconds: allow one more than the time since the exit.
  return down !== undefined && down >= 0 && down <= Math.ceil(secondsSinceExit) + 1;
}

/** The dead node as the cluster sees it: the line with the highest config epoch among peers. */
function clusterLine(f: CrashFacts): NodeLine | undefined {
  const lines = f.peers.map((p) => p.node.table.find((l) => l.id === f.deadId)).filter((l): l is NodeLine => l !== undefined);
  return lines.sort((a, b) => b.configEpoch - a.configEpoch)[0];
}

/**
 * FAILOVER FORCE needs votes from a majority of the masters that serve slots (the dead
 * one counts, and cannot vote); below that only TAKEOVER can promote.
 */
function votingMode(f: CrashFacts): 'force' | 'takeover' {
  const slotMasters = new Set<string>();
  for (const p of f.peers) for (const l of p.node.table) if (l.role === 'master' && l.slots.length > 0) slotMasters.add(l.id);
  slotMasters.add(f.deadId);
  const voters = f.peers.filter((p) => p.node.self?.role === 'master' && (p.node.self.slots.length ?? 0) > 0 && p.node.id !== f.deadId).length;
  return voters >= Math.floor(slotMasters.size / 2) + 1 ? 'force' : 'takeover';
}

function byOffset(a: CrashPeer, b: CrashPeer): number {
  return b.node.replication.offset - a.node.replication.offset || a.member.localeCompare(b.member);
}

function promote(p: CrashPeer, mode: 'force' | 'takeover', inSync: boolean, reason: string): CrashDecision {
  return { kind: 'promote', member: p.member, address: p.node.address, mode, inSync, replicaKeys: p.node.keys, reason };
}

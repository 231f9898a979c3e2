/**
 * Holding Redis's own failover off while a crashed master restarts from its AOF.
 *
 * When no replica was in sync at the crash, the master's AOF holds writes the replicas
 * lack. Left alone, Redis elects a stale replica after the node timeout, and the master,
 * back with those writes, full-syncs from it and drops them. `cluster-replica-no-failover
 * yes` on the replicas stops the election (manual failovers still work, so the controller
 * can still promote a copy if the master comes back without its data). The hold ends
 * once each held replica follows the master again with its link up and its sync done
 * (it has the master's data, so an election would lose nothing), or the master itself is
 * a replica (another node serves its slots). Until then the shard does not serve: data
 * before availability.
 */
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { readNode } from '../topology/observe.js';
import type { HeldReplica } from '../plan/crash-successor.js';

/** Sets cluster-replica-no-failover yes on each replica; returns the ones it could not reach. */
export async function holdFailover(pool: NodePool, replicas: readonly HeldReplica[]): Promise<string[]> {
  const results = await Promise.allSettled(replicas.map(async (r) => (await pool.get(r.address)).config('SET', 'cluster-replica-no-failover', 'yes')));
  return replicas.filter((_, i) => results[i]!.status === 'rejected').map((r) => r.member);
}

/** Puts the spec's cluster-replica-no-failover back; a replica that does not answer restarted (and lost the setting) or is gone. */
export async function releaseFailover(pool: NodePool, replicas: readonly { address: NodeAddress }[], specValue: boolean): Promise<void> {
  await Promise.allSettled(replicas.map(async (r) => (await pool.get(r.address)).config('SET', 'cluster-replica-no-failover', specValue ? 'yes' : 'no')));
}

export type HoldEnd = 'replicas-synced' | 'master-demoted' | 'aborted';

export interface HoldWatch {
  /** The master's current address (a re-created member comes back on a new one); undefined while it is not running. */
  masterAddress: () => Promise<NodeAddress | undefined>;
  /** Each held replica's current address, by member name (undefined: not running). */
  replicaAddress: (member: string) => Promise<NodeAddress | undefined>;
  replicas: readonly HeldReplica[];
  signal?: AbortSignal;
  intervalMs?: number;
}

/** Waits until the hold may end (see the file comment). */
export async function waitUntilHoldCanEnd(pool: NodePool, w: HoldWatch): Promise<HoldEnd> {
  const interval = w.intervalMs ?? 200;
  while (!w.signal?.aborted) {
    const end = await holdEnd(pool, w).catch(() => undefined);
    if (end) return end;
    await new Promise((r) => setTimeout(r, interval));
  }
  return 'aborted';
}

async function holdEnd(pool: NodePool, w: HoldWatch): Promise<HoldEnd | undefined> {
  const masterAddr = await w.masterAddress();
  if (!masterAddr) return undefined;
  const master = await readNode(pool, masterAddr);
  if (master.self?.role === 'replica') return 'master-demoted';
  const synced = await Promise.all(
    w.replicas.map(async (r) => {
      const addr = await w.replicaAddress(r.member);
      // A replica that is not running restarts without the setting: nothing left to hold.
      if (!addr) return true;
      const n = await readNode(pool, addr).catch(() => undefined);
      if (!n) return true;
      const rep = n.replication;
      return rep.role === 'replica' && n.self?.masterId === master.id && rep.masterLinkUp === true && !rep.syncInProgress;
    }),
  );
  return synced.every(Boolean) ? 'replicas-synced' : undefined;
}

export function describeHeld(replicas: readonly HeldReplica[]): string {
  return replicas.map((r) => `${r.member} (${formatAddress(r.address)})`).join(', ');
}

/**
 * Planned failover: before a master is stopped on purpose, an in-sync replica
 * takes its slots with CLUSTER FAILOVER (coordinated: the master stops writes
 * until the replica has caught up, so no acknowledged write is lost). We wait
 * until the old master is a replica whose link is up again: a master killed
 * before its new replica synced leaves the shard stuck (DESIGN.md).
 */
import { OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { readNode } from '../topology/observe.js';
import { pollUntil } from './wait.js';

export interface HandoverResult {
  /** The replica that is master now; undefined when the node was not a master with slots. */
  newMaster?: NodeAddress;
  ms: number;
}

export async function handOver(pool: NodePool, addr: NodeAddress, opts: { timeoutMs?: number; onProgress?: (line: string) => void } = {}): Promise<HandoverResult> {
  const start = Date.now();
  const deadline = start + (opts.timeoutMs ?? 15_000);
  const node = await readNode(pool, addr);
  if (node.self?.role !== 'master' || node.self.slots.length === 0) return { ms: 0 };
  const candidate = await pickInSyncReplica(pool, addr, node.id, node.replication.replicas);
  if (!candidate) {
    throw new OperationError(`${formatAddress(addr)} is a master with no in-sync replica to hand its slots to`, {
      hint: 'wait until its replica has synced (rck status shows LINK up), or stop it anyway with --force',
    });
  }
  opts.onProgress?.(`handing ${formatAddress(addr)}'s slots to its replica ${formatAddress(candidate)}`);
  await (await pool.get(candidate)).call('CLUSTER', 'FAILOVER');
  const swapped = await pollUntil(
    async () => {
      const [a, b] = await Promise.all([readNode(pool, candidate), readNode(pool, addr)]);
      return a.self?.role === 'master' && b.self?.role === 'replica' && b.replication.masterLinkUp ? true : undefined;
    },
    { deadline, intervalMs: 20 },
  );
  if (!swapped) {
    throw new OperationError(`planned failover from ${formatAddress(addr)} to ${formatAddress(candidate)} did not complete in time`);
  }
  return { newMaster: candidate, ms: Date.now() - start };
}

/** The online replica with the highest offset that confirms it follows this master with its link up. */
async function pickInSyncReplica(
  pool: NodePool,
  masterAddr: NodeAddress,
  masterId: string,
  replicas: { host: string; port: number; state: string; offset: number }[],
): Promise<NodeAddress | undefined> {
  const online = replicas.filter((r) => r.state === 'online').sort((a, b) => b.offset - a.offset);
  for (const r of online) {
    const a = { host: r.host || masterAddr.host, port: r.port };
    try {
      const n = await readNode(pool, a);
      if (n.self?.role === 'replica' && n.self.masterId === masterId && n.replication.masterLinkUp) return a;
    } catch {
      pool.forget(a);
    }
  }
  return undefined;
}

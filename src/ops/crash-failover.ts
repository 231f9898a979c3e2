/**
 * Failover after a crash the platform saw: promote the crashed master's replica before
 * the member is started again (see plan/crash-successor.ts for who and why). The
 * platform calls this between seeing the process exit and starting it again, so the
 * restarted node finds its slots taken at a higher epoch and rejoins as a replica
 * (Redis keeps a restarted master refusing queries for 2 s, CLUSTER_WRITABLE_DELAY,
 * exactly so that the cluster can demote it first).
 */
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { type CrashDecision, type CrashPeer, decideCrashSuccessor } from '../plan/crash-successor.js';
import { readNode } from '../topology/observe.js';
import { pollUntil } from './wait.js';

export interface CrashFailoverInput {
  deadAddress: NodeAddress;
  /** The node id in the member's volume, when it has one. */
  deadNodeId?: string;
  /** The other members, by name and address. */
  peers: { member: string; address: NodeAddress }[];
  /** When the platform saw the process exit (ms since the epoch). */
  exitedAt: number;
  /** The member's data survives its restart (appendonly, and the AOF is on its volume). */
  persistence: boolean;
  /** A replica's newest full-resync snapshot, from its log (see CrashPeer.snapshot). */
  snapshotOf?: (member: string) => Promise<CrashPeer['snapshot']>;
  /** false: decide only (other members exited at the same moment; see the crash responder). */
  promote?: boolean;
}

export interface CrashFailoverResult {
  decision: CrashDecision;
  /** The promotion completed: the replica is master of the slots. */
  promoted: boolean;
  tookMs: number;
  error?: string;
}

/** A FAILOVER FORCE that has not completed in this long is retried as TAKEOVER. */
const FORCE_WAIT_MS = 2000;
const TAKEOVER_WAIT_MS = 3000;

export async function failoverCrashedMaster(pool: NodePool, input: CrashFailoverInput): Promise<CrashFailoverResult> {
  const started = Date.now();
  const reads = await Promise.allSettled(input.peers.map((p) => readNode(pool, p.address)));
  const peers: CrashPeer[] = [];
  reads.forEach((r, i) => {
    if (r.status === 'fulfilled' && r.value.clusterEnabled) peers.push({ member: input.peers[i]!.member, node: r.value });
  });
  const deadId = input.deadNodeId ?? idAtAddress(peers, input.deadAddress);
  if (!deadId) return { decision: { kind: 'restart', reason: 'its node id is unknown' }, promoted: false, tookMs: Date.now() - started };
  // Only the dead master's replicas need their logs read (a log is read only when asked).
  await Promise.all(
    peers
      .filter((p) => p.node.self?.role === 'replica' && p.node.self.masterId === deadId && input.snapshotOf)
      .map(async (p) => {
        p.snapshot = await input.snapshotOf!(p.member).catch(() => undefined);
      }),
  );
  const decision = decideCrashSuccessor({
    deadId,
    deadAddress: input.deadAddress,
    peers,
    secondsSinceExit: (Date.now() - input.exitedAt) / 1000,
    exitedAt: input.exitedAt,
    persistence: input.persistence,
  });
  if (decision.kind !== 'promote' || input.promote === false) return { decision, promoted: false, tookMs: Date.now() - started };
  try {
    await promoteReplica(pool, decision.address, decision.mode);
    return { decision, promoted: true, tookMs: Date.now() - started };
  } catch (err) {
    return { decision, promoted: false, tookMs: Date.now() - started, error: (err as Error).message };
  }
}

/** FAILOVER FORCE (or TAKEOVER), then waits until the replica is master; TAKEOVER if FORCE gets no majority in time. */
export async function promoteReplica(pool: NodePool, addr: NodeAddress, mode: 'force' | 'takeover'): Promise<void> {
  const c = await pool.get(addr);
  await c.call('CLUSTER', 'FAILOVER', mode.toUpperCase());
  if (await isMasterBy(pool, addr, Date.now() + (mode === 'force' ? FORCE_WAIT_MS : TAKEOVER_WAIT_MS))) return;
  if (mode === 'force') {
    await c.call('CLUSTER', 'FAILOVER', 'TAKEOVER');
    if (await isMasterBy(pool, addr, Date.now() + TAKEOVER_WAIT_MS)) return;
  }
  throw new Error(`${formatAddress(addr)} did not become master after CLUSTER FAILOVER ${mode.toUpperCase()}`);
}

async function isMasterBy(pool: NodePool, addr: NodeAddress, deadline: number): Promise<boolean> {
  const ok = await pollUntil(
    async () => {
      const n = await readNode(pool, addr);
      return n.self?.role === 'master' && n.self.slots.length > 0 ? true : undefined;
    },
    { deadline, intervalMs: 5 },
  );
  return ok === true;
}

function idAtAddress(peers: CrashPeer[], addr: NodeAddress): string | undefined {
  for (const p of peers) {
    const line = p.node.table.find((l) => l.host === addr.host && l.port === addr.port && !l.flags.includes('handshake'));
    if (line) return line.id;
  }
  return undefined;
}

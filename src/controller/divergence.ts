/**
 * Writes Redis discards on its own: a master that Redis failed over while it was away
 * (frozen, cut off) may have acknowledged writes its replica never received. When it
 * rejoins as a replica of the promoted node, its PSYNC asks for more of the old history
 * than the promoted node has, is refused, and the full resync throws those writes away.
 * Asynchronous replication makes this a loss no keeper can prevent, so it is reported.
 *
 * The promoted node says how far it continues the old history (master_replid2 up to
 * second_repl_offset) and counts refused PSYNCs (sync_partial_err) and full resyncs
 * (sync_full); its log says what each refused follower asked for, and each follower's own
 * log says what it asked for (also when the PSYNC failed for another reason). Pure:
 * parsing and matching only.
 */
import type { Observation } from '../topology/observation.js';

/** A replication history a master with slots served, by its replid. */
export interface HistoryOwner {
  member: string;
  nodeId: string;
}

/** The masters with slots in this pass, by the history (replid) each serves. */
export function historyOwners(obs: Observation): Map<string, HistoryOwner> {
  const out = new Map<string, HistoryOwner>();
  for (const m of obs.members) {
    const n = m.node;
    if (!n?.self || n.self.role !== 'master' || n.self.slots.length === 0 || !n.replication.replid) continue;
    out.set(n.replication.replid, { member: m.name, nodeId: n.id });
  }
  return out;
}

/** A node that continued another history and has served resyncs since last seen. */
export interface ResyncSuspect {
  /** The promoted node (its log names the followers it refused). */
  member: string;
  nodeId: string;
  /** The history it continued and how far it has it; the old owner when some pass saw it. */
  replid2: string;
  previousOwner?: HistoryOwner;
  secondReplOffset: number;
  /** How many PSYNCs it refused since the last pass (0: only plain SYNCs). */
  newRefusals: number;
  /** Its replicas in this pass: their logs say what each asked for. */
  followers: string[];
}

/** A node's resync counters: refused PSYNCs plus full resyncs served. */
export function resyncCount(r: { syncPartialErr?: number; syncFull?: number }): number | undefined {
  if (r.syncPartialErr === undefined && r.syncFull === undefined) return undefined;
  return (r.syncPartialErr ?? 0) + (r.syncFull ?? 0);
}

/**
 * Promoted nodes that refused a PSYNC or served a full resync since the last pass: a
 * follower may have asked for writes the promoted node never got. Both counters, because a
 * follower whose PSYNC is rejected for another reason (NOPERM while the node is closed to
 * followers, see admission) retries with a plain SYNC, which Redis counts as a full sync.
 */
export function resyncSuspects(
  obs: Observation,
  owners: ReadonlyMap<string, HistoryOwner>,
  lastCounts: ReadonlyMap<string, { refusals: number; resyncs: number }>,
): ResyncSuspect[] {
  const out: ResyncSuspect[] = [];
  for (const m of obs.members) {
    const n = m.node;
    const r = n?.replication;
    const resyncs = r ? resyncCount(r) : undefined;
    if (!n?.id || r?.role !== 'master' || !r.replid2 || r.secondReplOffset === undefined || resyncs === undefined) continue;
    const before = lastCounts.get(n.id);
    if (before === undefined || resyncs <= before.resyncs) continue;
    const previousOwner = owners.get(r.replid2);
    const followers = obs.members.filter((f) => f.node?.self?.role === 'replica' && f.node.self.masterId === n.id).map((f) => f.name);
    out.push({
      member: m.name,
      nodeId: n.id,
      replid2: r.replid2,
      ...(previousOwner && previousOwner.nodeId !== n.id ? { previousOwner } : {}),
      secondReplOffset: r.secondReplOffset,
      newRefusals: Math.max(0, (r.syncPartialErr ?? 0) - before.refusals),
      followers,
    });
  }
  return out;
}

/** A refused PSYNC in a Redis log: who asked and, when it asked beyond a continued history, for what. */
export interface PsyncRefusal {
  /** `host:port` the follower announced. */
  replica: string;
  /** Set for "asked beyond the continued history" refusals only. */
  requested?: number;
  upTo?: number;
}

const ASKS = /Replica (\S+) asks for synchronization/;
const REFUSED = /Partial resynchronization not accepted|Unable to partial resync/;
const BEYOND = /Requested offset for second ID was (\d+), but I can reply up to (\d+)/;

/** Every refused PSYNC in the log, oldest first, each with the follower named by the request line before it. */
export function parsePsyncRefusals(log: string): PsyncRefusal[] {
  const out: PsyncRefusal[] = [];
  let replica = '';
  for (const line of log.split('\n')) {
    const asks = ASKS.exec(line);
    if (asks) replica = asks[1]!;
    if (!REFUSED.test(line)) continue;
    const beyond = BEYOND.exec(line);
    out.push(beyond ? { replica, requested: Number(beyond[1]), upTo: Number(beyond[2]) } : { replica });
  }
  return out;
}

/**
 * Among the suspect's newest refusals (as many as its counter grew by), those that are
 * losses in its continued history: a follower asked for more than it has.
 */
export function lostBeyond(suspect: ResyncSuspect, refusals: readonly PsyncRefusal[]): Array<Required<PsyncRefusal>> {
  if (suspect.newRefusals === 0) return [];
  return refusals.slice(-suspect.newRefusals).filter((r): r is Required<PsyncRefusal> => r.upTo === suspect.secondReplOffset && r.requested !== undefined && r.requested > r.upTo);
}

/** A PSYNC a follower sent, from its own log: the history and the next offset it wanted. */
export interface PsyncRequest {
  replid: string;
  offset: number;
}

// Valkey 8 logs `primary` where Redis logs `master`, and names the channel when dual-channel
// replication is on; every pattern over a node's log accepts both engines' lines.
const REQUEST = /Trying a partial resynchronization (?:using main channel )?\(request ([0-9a-f]{40}):(\d+)\)/;

/** Every PSYNC request in a follower's log, oldest first. */
export function parsePsyncRequests(log: string): PsyncRequest[] {
  const out: PsyncRequest[] = [];
  for (const line of log.split('\n')) {
    const m = REQUEST.exec(line);
    if (m) out.push({ replid: m[1]!, offset: Number(m[2]) });
  }
  return out;
}

/**
 * The follower's requests that asked for more of the suspect's continued history than it
 * has: whatever answered (a refusal, NOPERM, a plain SYNC), those writes were thrown away
 * by the full resync that followed, since no node can serve them.
 */
export function requestsBeyond(suspect: ResyncSuspect, requests: readonly PsyncRequest[]): PsyncRequest[] {
  return requests.filter((r) => r.replid === suspect.replid2 && r.offset > suspect.secondReplOffset);
}

const FULL_RESYNC = /Full resync from (?:master|primary): ([0-9a-f]{40}):(\d+)/;
const PARTIAL_OK =
  /Successful partial resynchronization with (?:master|primary)|(?:MASTER|PRIMARY|Primary) <-> REPLICA sync: (?:Master|Primary) accepted a Partial Resynchronization/;
const SYNC_DONE = /(?:MASTER|PRIMARY) <-> REPLICA sync: Finished with success/;
const LINK_LOST = /Connection with (?:master|primary) lost/;
const LOG_TIME = /^\d+:[A-Z] (\d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3})/;

/** A replica's newest full resync: its snapshot, and how long it was linked after loading it. */
export interface FullResync extends PsyncRequest {
  /** When it finished loading the snapshot (ms since the epoch, from the log's clock). */
  loadedAt?: number;
  /** Milliseconds from loading the snapshot to losing the master; absent while still linked. */
  linkedMs?: number;
}

function logTime(line: string): number | undefined {
  const m = LOG_TIME.exec(line);
  const t = m ? Date.parse(`${m[1]!.replace(/^(\d{2}) (\w{3}) (\d{4}) /, '$2 $1 $3 ')} UTC`) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The snapshot of a replica's newest sync when that sync was a full resync (its history and
 * offset), from its own log; undefined when the newest sync was partial or none is logged.
 */
export function lastFullResync(log: string): FullResync | undefined {
  let last: FullResync | undefined;
  let doneAt: number | undefined;
  for (const line of log.split('\n')) {
    const m = FULL_RESYNC.exec(line);
    if (m) {
      last = { replid: m[1]!, offset: Number(m[2]) };
      doneAt = undefined;
    } else if (PARTIAL_OK.test(line)) last = undefined;
    else if (last && SYNC_DONE.test(line)) {
      doneAt = logTime(line);
      if (doneAt !== undefined) last.loadedAt = doneAt;
    } else if (last && doneAt !== undefined && last.linkedMs === undefined && LINK_LOST.test(line)) {
      const lostAt = logTime(line);
      if (lostAt !== undefined) last.linkedMs = lostAt - doneAt;
    }
  }
  return last;
}

/**
 * The master died while its writes of the sync window were still buffered for this copy:
 * it received nothing after its snapshot and lost the master within a second of loading it
 * (an idle master streams nothing for longer, and then nothing was lost either).
 */
export function diedBeforeStreaming(snapshot: FullResync | undefined, replid: string, offset: number): boolean {
  return snapshot?.replid === replid && snapshot.offset === offset && snapshot.linkedMs !== undefined && snapshot.linkedMs < 1000;
}

const WON = /Failover election won: I'm the new (?:master|primary)|Taking over the (?:master|primary) \(user request/;
const MANUAL = /Manual failover user request accepted/;

/**
 * Whether the newest promotion in a node's log was a manual failover without FORCE (a planned
 * handover: Redis had the replica catch up with the paused master first, so nothing is lost).
 */
export function lastPromotionWasPlanned(log: string): boolean {
  const lines = log.split('\n');
  let won = -1;
  for (let i = lines.length - 1; i >= 0 && won < 0; i--) if (WON.test(lines[i]!)) won = i;
  if (won < 0) return false;
  for (let i = won - 1; i >= 0; i--) {
    if (WON.test(lines[i]!)) return false;
    if (MANUAL.test(lines[i]!)) return true;
  }
  return false;
}

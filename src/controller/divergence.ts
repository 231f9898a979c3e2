/**
 * Writes Redis discards on its own: a master that Redis failed over while it was away
 * (frozen, cut off) may have acknowledged writes its replica never received. When it
 * rejoins as a replica of the promoted node, its PSYNC asks for more of the old history
 * than the promoted node has, is refused, and the full resync throws those writes away.
 * Asynchronous replication makes this a loss no keeper can prevent, so it is reported.
 *
 * The promoted node says how far it continues the old history (master_replid2 up to
 * second_repl_offset) and counts refused PSYNCs (sync_partial_err); its log says what
 * each refused follower asked for. Pure: parsing and matching only.
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

/** A node that continued another master's history and has refused PSYNCs since last seen. */
export interface RefusalSuspect {
  /** The promoted node (it holds the log to read). */
  member: string;
  nodeId: string;
  /** The history it continued, its old owner, and how far it has it. */
  replid2: string;
  previousOwner: HistoryOwner;
  secondReplOffset: number;
  /** How many PSYNCs it refused since the last pass. */
  newRefusals: number;
}

/**
 * Promoted nodes whose refused-PSYNC count grew since the last pass, for a history some
 * other master was seen serving: the refusal may be that master (or another follower)
 * asking for writes the promoted node never got.
 */
export function refusalSuspects(obs: Observation, owners: ReadonlyMap<string, HistoryOwner>, lastRefusals: ReadonlyMap<string, number>): RefusalSuspect[] {
  const out: RefusalSuspect[] = [];
  for (const m of obs.members) {
    const r = m.node?.replication;
    if (!m.node || r?.role !== 'master' || !r.replid2 || r.secondReplOffset === undefined || r.syncPartialErr === undefined) continue;
    const previousOwner = owners.get(r.replid2);
    const before = lastRefusals.get(m.node.id);
    if (!previousOwner || previousOwner.nodeId === m.node.id || before === undefined || r.syncPartialErr <= before) continue;
    out.push({ member: m.name, nodeId: m.node.id, replid2: r.replid2, previousOwner, secondReplOffset: r.secondReplOffset, newRefusals: r.syncPartialErr - before });
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
export function lostBeyond(suspect: RefusalSuspect, refusals: readonly PsyncRefusal[]): Array<Required<PsyncRefusal>> {
  return refusals
    .slice(-suspect.newRefusals)
    .filter((r): r is Required<PsyncRefusal> => r.upTo === suspect.secondReplOffset && r.requested !== undefined && r.requested > r.upTo);
}

/**
 * LossWatch: what the controller remembers across passes so that a loss is never
 * silent, and the DataLoss reports it derives: keys a node held when last seen (the
 * size of a loss should its data vanish), and the replication histories masters served
 * (to catch writes Redis itself discards, see divergence.ts).
 */
import { formatAddress } from '../redis/address.js';
import {
  type HistoryOwner,
  type ResyncSuspect,
  historyOwners,
  lostBeyond,
  parsePsyncRefusals,
  parsePsyncRequests,
  requestsBeyond,
  resyncCount,
  diedBeforeStreaming,
  lastFullResync,
  lastPromotionWasPlanned,
  resyncSuspects,
} from './divergence.js';
import type { ReplicationInfo } from '../topology/info.js';
import type { ProbeSample } from './probe.js';
import type { Observation } from '../topology/observation.js';

export interface LossReport {
  member: string;
  reason: string;
  keysLost?: number;
  /** Bytes of replication stream (writes) discarded, when that is how the loss is known. */
  bytesLost?: number;
}

/** Histories remembered; old ones matter only until their owner rejoins or is forgotten. */
const MAX_HISTORIES = 256;

export class LossWatch {
  private readonly lastKeys = new Map<string, number>();
  /** Per open master with slots, when last seen: its history and offset. */
  private readonly lastMaster = new Map<string, { replid?: string; offset: number }>();
  private readonly owners = new Map<string, HistoryOwner>();
  private readonly lastCounts = new Map<string, { refusals: number; resyncs: number }>();
  private readonly reported = new Set<string>();
  /** Per master node id, the history it continues (master_replid2) when last seen: a change is a promotion. */
  private readonly lastReplid2 = new Map<string, string | undefined>();

  /** `readLog`: the recent log of a member, where the platform can read it. */
  constructor(private readonly readLog?: (member: string) => Promise<string>) {}

  /** Called with every pass's observation; returns the losses it reveals. */
  async observed(obs: Observation): Promise<LossReport[]> {
    for (const m of obs.members) if (m.node?.id && !m.node.admissionPending) this.lastKeys.set(m.node.id, m.node.keys);
    for (const m of obs.members) {
      const n = m.node;
      if (!n?.id || n.admissionPending || n.self?.role !== 'master' || n.self.slots.length === 0) continue;
      this.lastMaster.set(n.id, { replid: n.replication.replid, offset: n.replication.offset });
    }
    const suspects = resyncSuspects(obs, this.owners, this.lastCounts);
    for (const [replid, owner] of historyOwners(obs)) {
      this.owners.delete(replid); // re-insert: newest last, so the oldest go first
      this.owners.set(replid, owner);
    }
    while (this.owners.size > MAX_HISTORIES) this.owners.delete(this.owners.keys().next().value!);
    for (const m of obs.members) {
      const r = m.node?.replication;
      const resyncs = r ? resyncCount(r) : undefined;
      if (m.node?.id && resyncs !== undefined) this.lastCounts.set(m.node.id, { refusals: r!.syncPartialErr ?? 0, resyncs });
    }
    const out: LossReport[] = [];
    for (const s of suspects) out.push(...(await this.discardedWrites(s, obs)));
    out.push(...(await this.promotionsByRedis(obs)));
    return out;
  }

  /**
   * Promotions seen since the last pass that the keeper did not make (Redis's own election
   * after a master failed), sized as promotedOver sizes a crash failover. The chaos campaign
   * saw Redis elect a replica that had just full-synced from a master killed before it
   * streamed the writes it buffered meanwhile: those writes, in the old master's AOF, were
   * then discarded when it rejoined. Planned handovers (manual failover without FORCE) are left
   * out: Redis had the replica catch up first.
   */
  private async promotionsByRedis(obs: Observation): Promise<LossReport[]> {
    const out: LossReport[] = [];
    for (const m of obs.members) {
      const n = m.node;
      if (!n?.id) continue;
      const r = n.replication;
      const seen = this.lastReplid2.has(n.id);
      const before = this.lastReplid2.get(n.id);
      this.lastReplid2.set(n.id, r.replid2);
      if (n.self?.role !== 'master' || !seen || !r.replid2 || r.replid2 === before || r.secondReplOffset === undefined) continue;
      const owner = this.owners.get(r.replid2);
      const key = `promo:${n.id}:${r.replid2}`;
      if (!owner || owner.nodeId === n.id || this.reported.has(key)) continue;
      const log = await this.log(m.name);
      if (log === undefined || lastPromotionWasPlanned(log)) continue;
      this.reported.add(key);
      const at = r.secondReplOffset - 1; // where the copy was when promoted
      const last = this.lastMaster.get(owner.nodeId);
      const bytesLost = last?.replid === r.replid2 && last.offset > at ? last.offset - at : undefined;
      const unstreamed = !bytesLost && diedBeforeStreaming(lastFullResync(log), r.replid2, at);
      if (!bytesLost && !unstreamed) continue;
      out.push({
        member: m.name,
        reason:
          `Redis promoted ${m.name} over ${owner.member} (${owner.nodeId.slice(0, 8)}); ` +
          (bytesLost
            ? `it took over ${bytesLost} bytes of writes behind where ${owner.member} was last seen`
            : `its last sync was a full resync, it received nothing after its snapshot (offset ${at}) and lost its master within a second: writes ${owner.member} acknowledged while it was syncing, if any, are lost (discarded when ${owner.member} rejoins), and how many is unknown`),
        ...(bytesLost ? { bytesLost } : {}),
      });
    }
    return out;
  }

  /**
   * Key counts and master offsets from an idle probe (controller/probe.ts) that saw nothing
   * change: the history is the one the last full pass saw, only the numbers moved.
   */
  sampled(samples: readonly ProbeSample[]): void {
    for (const s of samples) {
      this.lastKeys.set(s.nodeId, s.keys);
      const last = this.lastMaster.get(s.nodeId);
      if (s.role === 'master' && last && s.offset !== undefined) this.lastMaster.set(s.nodeId, { replid: last.replid, offset: s.offset });
    }
  }

  /**
   * A replica promoted (FAILOVER FORCE/TAKEOVER) over a master that is gone or lost its
   * data: what the master had beyond the copy is lost. Sized in keys (key counts) and in
   * bytes (the master's last offset in the same history). `bytes`: for a failover right
   * after a crash or over an emptied master, where key counts would also count keys
   * deleted or expired since the master was last seen (a false alarm); the offsets do not.
   * ("Last seen without that replica online" was tried and is wrong for a master restarted
   * in place, seen before its replicas reconnect.)
   *
   * Where no count is possible the loss is still reported, without a number (the chaos
   * campaign found both going silent):
   * - `keys-and-bytes` (Redis did not fail over): the copy does not follow the history the
   *   master was last seen serving, or that master was never seen: whatever it acknowledged
   *   since the copy last synced is gone, and only it knew how much.
   * - any: the copy's newest sync was a full resync and nothing streamed after its snapshot
   *   (its offset is still the snapshot's): the master buffers writes made during a full
   *   sync and sends them only after the copy has loaded it, so a master that died in that
   *   window took them with it.
   */
  async promotedOver(obs: Observation, member: string, masterId: string, how: string, sizeBy: 'keys-and-bytes' | 'bytes' = 'keys-and-bytes'): Promise<LossReport | undefined> {
    const held = sizeBy === 'bytes' ? undefined : this.lastKeys.get(masterId);
    const me = obs.members.find((m) => m.name === member);
    const copy = me?.node?.keys;
    const keysLost = held !== undefined && copy !== undefined ? Math.max(0, held - copy) : undefined;
    const last = this.lastMaster.get(masterId);
    const r = me?.node?.replication;
    const sameHistory = last?.replid !== undefined && r?.replid === last.replid;
    const bytesLost = sameHistory && r ? Math.max(0, last!.offset - r.offset) : undefined;
    if (me?.node?.id && r?.replid) this.reported.add(`promo:${me.node.id}:${r.replid}`); // reported here, not again as Redis's
    const counted = Boolean(keysLost) || Boolean(bytesLost);
    const uncounted = counted ? undefined : await this.unknownTail(member, r, sizeBy === 'keys-and-bytes' && !sameHistory);
    const keysUnknown = sizeBy === 'keys-and-bytes' && held === undefined;
    if (!counted && !uncounted && !keysUnknown) return undefined;
    const parts = [
      ...(sizeBy === 'bytes'
        ? []
        : [held === undefined ? 'how many keys it held beyond the copy is unknown' : `it held ${held} keys when last seen, the copy ${copy ?? 'unknown'}`]),
      ...(bytesLost ? [`the copy is ${bytesLost} bytes of writes behind where the master was last seen`] : []),
      ...(uncounted ? [uncounted] : []),
    ];
    return {
      member,
      reason: `${member} was promoted (${how}) over master ${masterId.slice(0, 8)}, which is gone or lost its data; ${parts.join('; ')}`,
      ...(keysLost ? { keysLost } : {}),
      ...(bytesLost ? { bytesLost } : {}),
    };
  }

  /** Why writes may be lost that nothing can count, or undefined (see promotedOver). */
  private async unknownTail(member: string, r: ReplicationInfo | undefined, otherHistory: boolean): Promise<string | undefined> {
    if (otherHistory)
      return 'the copy does not follow the history the master was last seen serving (or it was never seen serving): writes the master acknowledged after the copy last synced, if any, are lost, and how many is unknown';
    const text = r?.replid !== undefined ? await this.log(member) : undefined;
    const snapshot = text !== undefined ? lastFullResync(text) : undefined;
    if (snapshot && diedBeforeStreaming(snapshot, r!.replid!, r!.offset)) {
      return `the copy's last sync was a full resync and it received nothing after its snapshot (offset ${snapshot.offset}) and lost the master ${snapshot.linkedMs} ms after loading it: writes the master acknowledged while it was syncing, if any, are lost, and how many is unknown`;
    }
    return undefined;
  }

  /** A member admitted without a copy of its data anywhere. */
  admittedEmpty(obs: Observation, member: string, why: string): LossReport {
    const id = obs.members.find((m) => m.name === member)?.node?.id;
    const held = id ? this.lastKeys.get(id) : undefined;
    return { member, reason: `${why} (${held === undefined ? 'an unknown number of keys' : `${held} keys when last seen`})`, keysLost: held };
  }

  /**
   * What the suspect's followers asked for beyond its continued history: from the suspect's
   * log (refused PSYNCs) and from each follower's own log (its PSYNC requests, also when the
   * request failed for another reason and the follower fell back to a plain SYNC).
   */
  private async discardedWrites(s: ResyncSuspect, obs: Observation): Promise<LossReport[]> {
    // Without the logs a refusal cannot be told apart from a follower that restarted empty
    // (a new history, refused for a mismatched id): not reported, rather than a false alarm
    // after every restart in place. The operator reads pod logs (pods/log) for this.
    const found: Array<{ follower: string; requested: number }> = [];
    const own = await this.log(s.member);
    if (own !== undefined) {
      for (const r of lostBeyond(s, parsePsyncRefusals(own))) {
        found.push({ follower: obs.members.find((m) => formatAddress(m.address) === r.replica)?.name ?? r.replica, requested: r.requested });
      }
    }
    for (const f of s.followers) {
      const text = await this.log(f);
      if (text !== undefined) for (const r of requestsBeyond(s, parsePsyncRequests(text))) found.push({ follower: f, requested: r.offset });
    }
    const out: LossReport[] = [];
    for (const { follower, requested } of found) {
      // One history and offset is one follower's state: the same loss seen from both logs.
      const key = `${s.nodeId}:${s.replid2}:${requested}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const bytes = requested - s.secondReplOffset;
      const owner = s.previousOwner?.member ?? 'its master';
      out.push({
        member: follower,
        reason:
          `${follower} had ${bytes} bytes of writes that ${s.member} never received: ${s.member} took over ${owner}'s history after a failover Redis made while ` +
          `${owner} was unreachable (frozen or cut off), and when ${follower} rejoined as its replica Redis discarded them with a full resync ` +
          `(asked for offset ${requested}, ${s.member} has up to ${s.secondReplOffset}); writes acknowledged in that window are lost (asynchronous replication)`,
        bytesLost: bytes,
      });
    }
    return out;
  }

  private async log(member: string): Promise<string | undefined> {
    return this.readLog ? await this.readLog(member).catch(() => undefined) : undefined;
  }
}

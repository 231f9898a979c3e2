/**
 * LossWatch: what the controller remembers across passes so that a loss is never
 * silent, and the DataLoss reports it derives: keys a node held when last seen (the
 * size of a loss should its data vanish), and the replication histories masters served
 * (to catch writes Redis itself discards, see divergence.ts).
 */
import { formatAddress } from '../redis/address.js';
import { type HistoryOwner, type RefusalSuspect, historyOwners, lostBeyond, parsePsyncRefusals, refusalSuspects } from './divergence.js';
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
  private lastRefusals = new Map<string, number>();
  private readonly reported = new Set<string>();

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
    const suspects = refusalSuspects(obs, this.owners, this.lastRefusals);
    for (const [replid, owner] of historyOwners(obs)) {
      this.owners.delete(replid); // re-insert: newest last, so the oldest go first
      this.owners.set(replid, owner);
    }
    while (this.owners.size > MAX_HISTORIES) this.owners.delete(this.owners.keys().next().value!);
    for (const m of obs.members) {
      const n = m.node?.replication.syncPartialErr;
      if (m.node?.id && n !== undefined) this.lastRefusals.set(m.node.id, n);
    }
    const out: LossReport[] = [];
    for (const s of suspects) out.push(...(await this.refusedFollowers(s, obs)));
    return out;
  }

  /**
   * A replica promoted (FAILOVER FORCE/TAKEOVER) over a master that is gone or lost its
   * data: what the master had beyond the copy is lost. Sized in keys (key counts) and in
   * bytes (the master's last offset in the same history). Not yet caught: a copy the master
   * had stopped streaming to, or that was still syncing (its own history; see the README's
   * chaos campaign). "Last seen without that replica online" was tried and is wrong for a
   * master restarted in place, seen before its replicas reconnect. `bytes`: for a failover
   * right after a crash, where key counts would also count keys deleted or expired since
   * the master was last seen (a false alarm); the offsets do not.
   */
  promotedOver(obs: Observation, member: string, masterId: string, how: string, sizeBy: 'keys-and-bytes' | 'bytes' = 'keys-and-bytes'): LossReport | undefined {
    const held = sizeBy === 'bytes' ? undefined : this.lastKeys.get(masterId);
    const me = obs.members.find((m) => m.name === member);
    const copy = me?.node?.keys;
    const keysLost = held !== undefined && copy !== undefined ? Math.max(0, held - copy) : undefined;
    const last = this.lastMaster.get(masterId);
    const r = me?.node?.replication;
    const sameHistory = last?.replid !== undefined && r?.replid === last.replid;
    const bytesLost = sameHistory && r ? Math.max(0, last!.offset - r.offset) : undefined;
    if (sizeBy === 'bytes' ? !bytesLost : keysLost === 0 && !bytesLost) return undefined;
    const parts = [
      ...(sizeBy === 'bytes' ? [] : [held === undefined ? 'how many keys it held beyond the copy is unknown' : `it held ${held} keys when last seen, the copy ${copy ?? 'unknown'}`]),
      ...(bytesLost ? [`the copy is ${bytesLost} bytes of writes behind where the master was last seen`] : []),
    ];
    return {
      member,
      reason: `${member} was promoted (${how}) over master ${masterId.slice(0, 8)}, which is gone or lost its data; ${parts.join('; ')}`,
      ...(keysLost ? { keysLost } : {}),
      ...(bytesLost ? { bytesLost } : {}),
    };
  }

  /** A member admitted without a copy of its data anywhere. */
  admittedEmpty(obs: Observation, member: string, why: string): LossReport {
    const id = obs.members.find((m) => m.name === member)?.node?.id;
    const held = id ? this.lastKeys.get(id) : undefined;
    return { member, reason: `${why} (${held === undefined ? 'an unknown number of keys' : `${held} keys when last seen`})`, keysLost: held };
  }

  private async refusedFollowers(s: RefusalSuspect, obs: Observation): Promise<LossReport[]> {
    // Without the log the refusal cannot be told apart from a follower that restarted empty
    // (a new history, refused for a mismatched id): not reported, rather than a false alarm
    // after every restart in place. The operator reads pod logs (pods/log) for this.
    const text = this.readLog ? await this.readLog(s.member).catch(() => undefined) : undefined;
    if (text === undefined) return [];
    const out: LossReport[] = [];
    for (const r of lostBeyond(s, parsePsyncRefusals(text))) {
      const key = `${s.nodeId}:${s.replid2}:${r.replica}:${r.requested}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const who = obs.members.find((m) => formatAddress(m.address) === r.replica)?.name ?? r.replica;
      const bytes = r.requested - r.upTo;
      out.push({
        member: who,
        reason: `${who} had ${bytes} bytes of writes that ${s.member} never received: ${s.member} took over ${s.previousOwner.member}'s history after a failover Redis made while ` +
          `${s.previousOwner.member} was unreachable (frozen or cut off), and when ${who} rejoined as its replica Redis discarded them with a full resync ` +
          `(asked for offset ${r.requested}, ${s.member} has up to ${r.upTo}); writes acknowledged in that window are lost (asynchronous replication)`,
        bytesLost: bytes,
      });
    }
    return out;
  }
}


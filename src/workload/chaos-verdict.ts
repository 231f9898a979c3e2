/**
 * The verdict of a chaos run, from what each fault did and what the run measured.
 * Pure. A loss is acceptable only when Redis forced it and a DataLoss event reported
 * it: the fault left no copy of the data, or a master frozen past the node timeout
 * acknowledged writes that Redis discarded when it rejoined (asynchronous replication;
 * see controller/divergence.ts). Any other loss while a copy survived is a failure,
 * whatever the events say.
 */
import type { FaultKind, Role } from './chaos-schedule.js';

/** One applied action of a fault, as the executor resolved it. */
export interface AppliedAction {
  kind: Exclude<FaultKind, 'double'>;
  /** The member it hit (none for supervisor-kill; the source master for reshard). */
  member?: string;
  /** Its role when the fault started. */
  role?: Role;
  /** reshard: the master the slots went to. */
  to?: string;
  /** Every member of its shard when the fault started (master first); empty when no member was hit. */
  shard: string[];
  /** What happened, for the fault line (e.g. "moved 40 slots, 612 keys"). */
  detail?: string;
  /** Why the action could not be carried out (the fault is still measured). */
  error?: string;
}

export interface FaultOutcome {
  number: number;
  kind: FaultKind;
  actions: AppliedAction[];
  /** Epoch ms the first action started. */
  startedAt: number;
  /** From the start to Ready again (held for a second); null when the deadline passed first. */
  readyAfterMs: number | null;
  /** Longest time writes to one key kept failing, from this fault's start to the next one's. */
  longestWriteOutageMs: number;
  /** Preloaded keys first found missing or changed after this fault. */
  keysLost: number;
  /** Acknowledged increments first found lost after this fault. */
  lostWrites: number;
  /** Some member of every shard it hit kept its data. */
  copySurvived: boolean;
}

/** A `DataLoss` Warning from the event log. */
export interface DataLossEvent {
  /** Epoch ms. */
  at: number;
  member: string;
  keysLost?: number;
  /** Bytes of writes Redis discarded, for losses known that way. */
  bytesLost?: number;
  reason: string;
}

export interface LossAccount {
  fault: number;
  kind: FaultKind;
  /** What the fault hit, as its line says (faultLabel). */
  label: string;
  members: string[];
  keysLost: number;
  lostWrites: number;
  copySurvived: boolean;
  /** DataLoss events that account for it, and the keys they name. */
  dataLossEvents: number;
  dataLossKeys: number;
  dataLossBytes: number;
  accounted: boolean;
  /**
   * Only acknowledged writes were lost, a master of the fault was frozen, and DataLoss
   * events name the bytes Redis discarded when it rejoined: a loss Redis forces.
   */
  discardedByRedis: boolean;
}

export interface VerdictInput {
  seed: number;
  cluster: string;
  persistence: boolean;
  nodeTimeoutMs: number;
  faultsPlanned: number;
  faultTimeoutMs: number;
  outcomes: FaultOutcome[];
  keysPreloaded: number;
  /** Preloaded keys missing or changed at the final read-back. */
  keysLost: number;
  keysUnreadable: number;
  workload: { ops: number; lostWrites: number; unackedWrites: number; longestWriteOutageMs: number; unreadableKeys: number };
  /** DataLoss events recorded during the run. */
  dataLoss: DataLossEvent[];
  /** Stopped early (Ctrl-C), or an unexpected error ended the run. */
  interrupted?: string;
}

export interface ChaosVerdict extends Omit<VerdictInput, 'outcomes' | 'dataLoss' | 'workload'> {
  ok: boolean;
  faults: FaultOutcome[];
  maxTimeToReadyMs: number | null;
  longestWriteOutageMs: number;
  ops: number;
  lostWrites: number;
  unackedWrites: number;
  dataLoss: { events: number; keys: number; bytes: number };
  losses: LossAccount[];
  /** Why the run failed, one line each; empty when ok. */
  failures: string[];
}

/** Whether a fault of this kind wipes the data of the member it hits. */
export function destroysData(kind: AppliedAction['kind'], persistence: boolean): boolean {
  if (kind === 'lose-volume') return true;
  // Without persistence a member's data lives only in its process: any new process starts empty.
  if (!persistence) return kind === 'kill' || kind === 'crash' || kind === 'restart';
  return false;
}

/**
 * Every shard a destructive action hit still has a member that kept its data: one the fault
 * did not touch, or touched only after the wipe. A member taken away before or with the
 * wipe (restarted, killed, crashed, frozen) missed the writes its shard took meanwhile,
 * which only the wiped member had: the chaos campaign saw a master restarted with a handover
 * and its replica, the new master, losing its volume 100 ms later; what that replica
 * acknowledged in between had no other copy, whatever the restarted master's AOF held.
 */
export function copySurvived(actions: readonly AppliedAction[], persistence: boolean): boolean {
  const done = actions.filter((a) => a.member && !a.error);
  return done.every((w, i) => {
    if (!destroysData(w.kind, persistence)) return true;
    const touchedBy = (m: string) => done.findIndex((a) => a.member === m);
    return w.shard.some((m) => m !== w.member && (touchedBy(m) === -1 || (touchedBy(m) > i && !destroysData(done[touchedBy(m)]!.kind, persistence))));
  });
}

export function chaosVerdict(input: VerdictInput): ChaosVerdict {
  const { outcomes, workload } = input;
  const losses = accountLosses(outcomes, input.dataLoss);
  const failures: string[] = [];
  if (input.interrupted) failures.push(`stopped early: ${input.interrupted}`);
  for (const o of outcomes) {
    if (o.readyAfterMs === null) failures.push(`fault #${o.number} (${faultLabel(o)}): not Ready within ${Math.round(input.faultTimeoutMs / 1000)} s`);
  }
  for (const l of losses) {
    const what = `fault #${l.fault} (${l.label}): ${l.keysLost} preloaded key(s) and ${l.lostWrites} acknowledged write(s) lost`;
    if (l.copySurvived && !l.discardedByRedis) failures.push(`${what} while a copy survived`);
    else if (!l.accounted) failures.push(`${what} with no copy left, and no DataLoss event accounts for them`);
  }
  if (input.keysUnreadable > 0) failures.push(`${input.keysUnreadable} preloaded key(s) could not be read back at the end`);
  if (workload.unreadableKeys > 0) failures.push(`${workload.unreadableKeys} workload counter(s) could not be read back at the end`);
  const readies = outcomes.map((o) => o.readyAfterMs).filter((ms): ms is number => ms !== null);
  return {
    seed: input.seed,
    cluster: input.cluster,
    persistence: input.persistence,
    nodeTimeoutMs: input.nodeTimeoutMs,
    faultsPlanned: input.faultsPlanned,
    faultTimeoutMs: input.faultTimeoutMs,
    ...(input.interrupted ? { interrupted: input.interrupted } : {}),
    ok: failures.length === 0,
    faults: outcomes,
    maxTimeToReadyMs: readies.length ? Math.max(...readies) : null,
    longestWriteOutageMs: workload.longestWriteOutageMs,
    ops: workload.ops,
    lostWrites: workload.lostWrites,
    unackedWrites: workload.unackedWrites,
    keysPreloaded: input.keysPreloaded,
    keysLost: input.keysLost,
    keysUnreadable: input.keysUnreadable,
    dataLoss: {
      events: input.dataLoss.length,
      keys: input.dataLoss.reduce((n, e) => n + (e.keysLost ?? 0), 0),
      bytes: input.dataLoss.reduce((n, e) => n + (e.bytesLost ?? 0), 0),
    },
    losses,
    failures,
  };
}

/** The smallest INCR in the replication stream (`*2 $4 INCR $1 k`): discarded bytes bound the writes they can explain. */
const MIN_WRITE_BYTES = 24;

/**
 * Matches each loss with the DataLoss events recorded from its fault's start on, oldest
 * first, each event used once: accounted when they name at least as many keys as were
 * lost and, for lost writes, name keys or discarded bytes too, or one of them names no
 * number (a loss it could not count).
 */
export function accountLosses(outcomes: readonly FaultOutcome[], events: readonly DataLossEvent[]): LossAccount[] {
  const unused = [...events].sort((a, b) => a.at - b.at);
  const out: LossAccount[] = [];
  for (const o of outcomes) {
    if (o.keysLost === 0 && o.lostWrites === 0) continue;
    let n = 0;
    let keys = 0;
    let bytes = 0;
    let uncounted = false;
    const enough = () => uncounted || (keys >= o.keysLost && (o.lostWrites === 0 || keys > 0 || bytes > 0));
    for (let i = 0; i < unused.length && !enough();) {
      const e = unused[i]!;
      if (e.at < o.startedAt) {
        i++;
        continue;
      }
      unused.splice(i, 1);
      n++;
      if (e.keysLost === undefined && e.bytesLost === undefined) uncounted = true;
      keys += e.keysLost ?? 0;
      bytes += e.bytesLost ?? 0;
    }
    const frozenMaster = o.actions.some((a) => a.kind === 'freeze' && a.role === 'master' && !a.error);
    out.push({
      fault: o.number,
      kind: o.kind,
      label: faultLabel(o),
      members: faultMembers(o),
      keysLost: o.keysLost,
      lostWrites: o.lostWrites,
      copySurvived: o.copySurvived,
      dataLossEvents: n,
      dataLossKeys: keys,
      dataLossBytes: bytes,
      accounted: n > 0 && enough(),
      discardedByRedis: frozenMaster && o.keysLost === 0 && bytes >= o.lostWrites * MIN_WRITE_BYTES,
    });
  }
  return out;
}

function faultMembers(o: FaultOutcome): string[] {
  return o.actions.map((a) => a.member ?? (a.kind === 'supervisor-kill' ? 'supervisor' : '?'));
}

/** `crash redis-app-0 (master)`, `double: kill redis-app-1 (master) + freeze redis-app-4 (replica)`. */
export function faultLabel(o: Pick<FaultOutcome, 'kind' | 'actions'>): string {
  const one = (a: AppliedAction) => {
    if (a.kind === 'reshard') return `reshard ${a.member ?? '?'} -> ${a.to ?? '?'}`;
    return a.member ? `${a.kind} ${a.member}${a.role ? ` (${a.role})` : ''}` : a.kind;
  };
  return o.kind === 'double' ? `double: ${o.actions.map(one).join(' + ')}` : o.actions.map(one).join(' + ');
}

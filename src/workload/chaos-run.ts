/**
 * The chaos executor behind `rck bench chaos`: preloads a key set, runs the
 * consistency workload for the whole run, applies the seeded schedule's faults one
 * by one (each time waiting until the cluster is Ready again, within a deadline),
 * measures each fault, and returns the verdict. It always resumes frozen members
 * and stops its workload, also when interrupted.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { errorText, OperationError } from '../errors.js';
import { type LocalStatus, readLocalStatus } from '../platform/local/local-status.js';
import type { LocalTarget } from '../platform/local/resolve.js';
import { parseAddress } from '../redis/address.js';
import { nodeTimeoutMs } from '../spec/members.js';
import { reportRateTo } from './report-rate.js';
import { type ConsistencyReport, type ConsistencyWorkload, closeCluster, clusterClient, startConsistencyWorkload } from './consistency.js';
import { type ActionRun, applyAction, resumeFrozenMembers } from './chaos-faults.js';
import { PreloadedKeys } from './chaos-keys.js';
import { waitReady } from './chaos-ready.js';
import { type FaultKind, type ScheduledFault, generateChaosSchedule } from './chaos-schedule.js';
import { readDataLossEvents } from './chaos-data-loss.js';
import { type ChaosVerdict, type FaultOutcome, chaosVerdict, copySurvived } from './chaos-verdict.js';
import type { ConnectionProfile } from '../redis/profile.js';

export interface ChaosOptions {
  target: LocalTarget;
  seed: number;
  faults: number;
  kinds?: FaultKind[];
  /** Preloaded keys checked after every fault. */
  keys: number;
  /** The consistency workload's counters and workers. */
  counters: number;
  workers: number;
  /** Per fault: from its start until the cluster must be Ready again. */
  faultTimeoutMs: number;
  /** Leave the preloaded keys in the cluster at the end. */
  keepKeys?: boolean;
  /** Aborting stops after the fault in progress (a freeze is cut short, Ready is still awaited), then gives the verdict. */
  signal: AbortSignal;
  progress: (line: string) => void;
  onStart?: (info: ChaosStart) => void;
  /** Each fault as soon as it is measured (its lost writes and outage may still grow until the next one starts). */
  onFault?: (o: FaultOutcome) => void;
}

export interface ChaosStart {
  cluster: string;
  masters: number;
  replicasPerMaster: number;
  persistence: boolean;
  nodeTimeoutMs: number;
  schedule: ScheduledFault[];
}

/** How long a run waits for the cluster to be Ready before its first fault. */
const START_READY_TIMEOUT_MS = 30_000;

/** Ops the workload must read after Ready, per counter, before a fault's lost writes are counted. */
const READS_PER_COUNTER = 3;

export async function runChaos(opts: ChaosOptions): Promise<ChaosVerdict> {
  const { target: t, progress } = opts;
  const { spec } = t.cluster;
  const runStartedAt = Date.now();
  const profile = await t.state.profile(t.cluster);
  const timeoutMs = nodeTimeoutMs(spec);
  if (!(await readLocalStatus(t, profile)).supervisor) {
    throw new OperationError(`cluster ${t.cluster.metadata.name} is not running (no supervisor)`, { hint: 'start it with `rck up --detach`' });
  }
  const first = await waitReady(t, profile, { deadline: Date.now() + START_READY_TIMEOUT_MS, signal: opts.signal });
  if (first.readyAt === null || !first.status) {
    throw new OperationError(`cluster ${t.cluster.metadata.name} is not Ready after ${START_READY_TIMEOUT_MS / 1000} s (${first.why}); chaos starts from a Ready cluster`, {
      hint: 'see `rck status` and `rck events`',
    });
  }
  const schedule = generateChaosSchedule({ seed: opts.seed, faults: opts.faults, kinds: opts.kinds, members: first.status.members, nodeTimeoutMs: timeoutMs });
  opts.onStart?.({
    cluster: t.cluster.metadata.name,
    masters: spec.masters,
    replicasPerMaster: spec.replicasPerMaster,
    persistence: spec.persistence.enabled,
    nodeTimeoutMs: timeoutMs,
    schedule,
  });

  const keys = new PreloadedKeys(opts.keys, opts.seed);
  const outcomes: FaultOutcome[] = [];
  let workload: ConsistencyWorkload | undefined;
  let report: ConsistencyReport | undefined;
  let interrupted: string | undefined;
  let final = { lost: 0, unreadable: opts.keys };
  const outage = new OutageWindow();
  let lostBaseline = 0;
  let stopReporting = () => {};
  try {
    const loadStarted = Date.now();
    const unconfirmed = await withClient(first.status, profile, (c) => keys.load(c, spec.replicasPerMaster));
    progress(
      `preloaded ${opts.keys} keys (${keys.prefix}:*) in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s` +
        (unconfirmed ? `; ${unconfirmed} master(s) did not confirm replication within 10 s` : ', on every replica (WAIT)'),
    );
    const started = startConsistencyWorkload({ nodes: upAddresses(first.status), profile, keys: opts.counters, workers: opts.workers });
    workload = started;
    stopReporting = reportRateTo(t.state.controlSocket, 'bench chaos', () => started.rate());
    outage.open(workload);
    for (const f of schedule) {
      await sleep(f.pauseMs, opts.signal);
      if (opts.signal.aborted) break;
      const before = await readLocalStatus(t, profile);
      const prev = outcomes.at(-1);
      const atStart = workload.snapshot();
      if (prev) {
        prev.lostWrites = atStart.lostWrites - lostBaseline;
        prev.longestWriteOutageMs = outage.close();
        lostBaseline = atStart.lostWrites;
      }
      outage.open(workload);
      const o = await runFault(opts, f, before, profile, keys, workload);
      o.lostWrites = workload.snapshot().lostWrites - lostBaseline;
      o.longestWriteOutageMs = outage.peek();
      outcomes.push(o);
      opts.onFault?.(o);
      if (o.readyAfterMs === null) {
        interrupted = `fault #${f.number} left the cluster not Ready; ${schedule.length - f.number} fault(s) not run`;
        break;
      }
    }
    if (opts.signal.aborted) interrupted ??= `interrupted after ${outcomes.length} of ${schedule.length} faults`;
  } catch (err) {
    interrupted = `unexpected error: ${errorText(err)}`;
  } finally {
    stopReporting();
    outage.stop();
    resumeFrozenMembers();
  }
  // The counters and the key set are read back whatever ended the run.
  if (workload) {
    report = await workload.stop().catch(() => undefined);
    const last = outcomes.at(-1);
    if (last && report) {
      last.lostWrites = report.lostWrites - lostBaseline;
      last.longestWriteOutageMs = Math.max(outage.peek(), report.longestWriteOutageMs > outage.longestBefore ? report.longestWriteOutageMs : 0);
    }
  }
  try {
    const status = await readLocalStatus(t, profile);
    const check = await withClient(status, profile, (c) => keys.check(c));
    const last = outcomes.at(-1);
    if (last) last.keysLost += check.newlyLost;
    final = { lost: check.lost, unreadable: check.unreadable };
    if (!opts.keepKeys && check.unreadable === 0) await withClient(status, profile, (c) => keys.remove(c));
  } catch (err) {
    interrupted ??= `final read-back failed: ${errorText(err)}`;
  }
  return chaosVerdict({
    seed: opts.seed,
    cluster: t.cluster.metadata.name,
    persistence: spec.persistence.enabled,
    nodeTimeoutMs: timeoutMs,
    faultsPlanned: schedule.length,
    faultTimeoutMs: opts.faultTimeoutMs,
    outcomes,
    keysPreloaded: opts.keys,
    keysLost: final.lost,
    keysUnreadable: final.unreadable,
    workload: {
      ops: (report?.reads ?? 0) + (report?.writes ?? 0),
      lostWrites: report?.lostWrites ?? 0,
      unackedWrites: report?.unackedWrites ?? 0,
      longestWriteOutageMs: report?.longestWriteOutageMs ?? 0,
      unreadableKeys: report?.unreadableKeys ?? 0,
    },
    dataLoss: await readDataLossEvents(t.state.eventsFile, runStartedAt),
    ...(interrupted ? { interrupted } : {}),
  });
}

/** Applies one fault, waits for Ready again, reads the key set back and lets the workload re-read its counters. */
async function runFault(
  opts: ChaosOptions,
  f: ScheduledFault,
  before: LocalStatus,
  profile: ConnectionProfile,
  keys: PreloadedKeys,
  w: ConsistencyWorkload,
): Promise<FaultOutcome> {
  const ctx = { target: opts.target, profile, before, signal: opts.signal };
  const startedAt = Date.now();
  const deadline = startedAt + opts.faultTimeoutMs;
  const runs: Promise<ActionRun>[] = [];
  for (const [i, a] of f.actions.entries()) {
    if (i > 0 && f.offsetMs > 0) await sleep(f.offsetMs, opts.signal);
    runs.push(applyAction(ctx, a));
  }
  const done = await Promise.all(runs);
  // Ctrl-C cuts a freeze short but still waits for Ready: the run stops with the cluster whole.
  const ready = await waitReady(opts.target, profile, { deadline, signal: new AbortController().signal, observed: (s) => done.every((r) => r.observed(s)) });
  const applied = done.map((r) => r.applied);
  let keysLost = 0;
  if (ready.readyAt !== null && ready.status) {
    keysLost = (await withClient(ready.status, profile, (c) => keys.check(c))).newlyLost;
    const readsAtReady = w.snapshot().reads;
    const until = Date.now() + 5000;
    while (w.snapshot().reads - readsAtReady < READS_PER_COUNTER * opts.counters && Date.now() < until) await sleep(50);
  } else {
    opts.progress(`fault #${f.number}: not Ready within ${Math.round(opts.faultTimeoutMs / 1000)} s: ${ready.why}`);
  }
  return {
    number: f.number,
    kind: f.kind,
    actions: applied,
    startedAt,
    readyAfterMs: ready.readyAt === null ? null : ready.readyAt - startedAt,
    longestWriteOutageMs: 0,
    keysLost,
    lostWrites: 0,
    copySurvived: copySurvived(applied, opts.target.cluster.spec.persistence.enabled),
  };
}

/**
 * The longest write outage within a window, sampled every 50 ms from the workload's
 * "failing now" figure, and its overall longest when that grew during the window.
 */
class OutageWindow {
  private max = 0;
  private timer?: NodeJS.Timeout;
  private w?: ConsistencyWorkload;
  longestBefore = 0;

  open(w: ConsistencyWorkload): void {
    this.stop();
    this.w = w;
    this.max = 0;
    this.longestBefore = w.snapshot().longestWriteOutageMs;
    this.timer = setInterval(() => (this.max = Math.max(this.max, w.snapshot().currentWriteOutageMs)), 50);
  }

  peek(): number {
    if (!this.w) return this.max;
    const s = this.w.snapshot();
    return Math.max(this.max, s.currentWriteOutageMs, s.longestWriteOutageMs > this.longestBefore ? s.longestWriteOutageMs : 0);
  }

  close(): number {
    const v = this.peek();
    this.stop();
    return v;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function upAddresses(s: LocalStatus) {
  return s.members.filter((m) => m.up).map((m) => parseAddress(m.address));
}

async function withClient<T>(s: LocalStatus, profile: ConnectionProfile, use: (c: Cluster) => Promise<T>): Promise<T> {
  const c = clusterClient(upAddresses(s), profile, 2000);
  try {
    return await use(c);
  } finally {
    closeCluster(c);
  }
}

/** Waits `ms`, or less when the run is aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

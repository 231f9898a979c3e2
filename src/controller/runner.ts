/**
 * The one reconcile runner, shared by the local supervisor and the operator (one per
 * RedisCluster). It runs a level-triggered pass again and again, never two at once, and
 * decides when the next one runs from what the last one returned:
 *
 *   acted    -> soon (the next step of a heal or a scale), a few times in a row
 *   busy     -> after `busyMs` (not converged: waiting on Redis or on a member)
 *   settled  -> idle: a cheap probe every `probeMs`, every `quietProbeMs` once
 *               `quietAfterProbes` probes in a row saw nothing move; a full pass when the
 *               probe sees a change, when woken (a process exit, a pod or StatefulSet
 *               event), or every `resyncMs` at the latest
 *   error    -> exponential backoff from `errorMs` up to `maxErrorMs`
 *
 * Failure detection does not wait for the idle cadence: the platforms wake the runner on
 * every member event, and the local crash responder acts on a process exit by itself.
 * `stop()` aborts the signal passed to the pass (slot moves included) and waits for it.
 */
import { errorText } from '../errors.js';

export type PassOutcome = 'acted' | 'busy' | 'settled';

/**
 * What an idle probe found:
 *   changed -> something a heal reacts to, or a member did not answer: a full pass
 *   moving  -> nothing to heal, but the data moves (key counts, replication offsets): probes
 *              stay `probeMs` apart, so a loss is sized with what was seen a second ago
 *   still   -> nothing moved since the last probe
 */
export type ProbeOutcome = 'changed' | 'moving' | 'still';

export interface RunnerTimings {
  actedMs: number;
  /** Consecutive quick passes before an acting loop gets a busy interval anyway. */
  maxQuick: number;
  busyMs: number;
  probeMs: number;
  /**
   * The probe interval once the cluster stood still for `quietAfterProbes` probes. A wakeup
   * can cost an idle process more than the probe's work: on a VM that charged for every page
   * touched after a pause, probes were 80% of an idle supervisor's CPU, and asking one member
   * instead of six saved only a fifth of it (docs/benchmarks.md, session 13).
   */
  quietProbeMs: number;
  quietAfterProbes: number;
  resyncMs: number;
  errorMs: number;
  maxErrorMs: number;
}

export const DEFAULT_TIMINGS: RunnerTimings = {
  actedMs: 20,
  maxQuick: 10,
  busyMs: 500,
  probeMs: 1000,
  // A member that hangs (alive, not answering) is still seen within 3 s + the probe's 1 s
  // timeout, before Redis itself suspects it (cluster-node-timeout, 5 s as rck renders it).
  // A process exit or a pod event wakes a pass at once, whatever the interval.
  quietProbeMs: 3000,
  quietAfterProbes: 3,
  resyncMs: 30_000,
  errorMs: 500,
  maxErrorMs: 30_000,
};

/** What the schedule remembers between passes. */
export interface ScheduleState {
  quick: number;
  errors: number;
  /** Probes in a row that saw nothing move (a settled resync keeps the count). */
  still: number;
}

export const FIRST_STATE: ScheduleState = { quick: 0, errors: 0, still: 0 };

/** A pass is a `resync` when only the resync interval called for it (nothing changed). */
export type NextStep = { kind: 'pass'; afterMs: number; resync?: boolean } | { kind: 'probe'; afterMs: number };

/** Pure: whether the cluster stood still long enough for the slow, cheaper probes. */
export function isQuiet(t: RunnerTimings, s: Pick<ScheduleState, 'still'>): boolean {
  return s.still >= t.quietAfterProbes;
}

function probeInterval(t: RunnerTimings, still: number): number {
  return isQuiet(t, { still }) ? Math.max(t.probeMs, t.quietProbeMs) : t.probeMs;
}

/** Pure: what runs next after a pass ended with `outcome` (or an error). */
export function nextAfterPass(t: RunnerTimings, s: ScheduleState, outcome: PassOutcome | 'error', resync = false): { next: NextStep; state: ScheduleState } {
  if (outcome === 'error') {
    const afterMs = Math.min(t.maxErrorMs, t.errorMs * 2 ** s.errors);
    return { next: { kind: 'pass', afterMs }, state: { quick: 0, errors: s.errors + 1, still: 0 } };
  }
  if (outcome === 'acted' && s.quick < t.maxQuick) return { next: { kind: 'pass', afterMs: t.actedMs }, state: { quick: s.quick + 1, errors: 0, still: 0 } };
  if (outcome === 'settled') {
    const still = resync ? s.still : 0;
    return { next: { kind: 'probe', afterMs: probeInterval(t, still) }, state: { quick: 0, errors: 0, still } };
  }
  return { next: { kind: 'pass', afterMs: t.busyMs }, state: { quick: 0, errors: 0, still: 0 } };
}

/** Pure: after a probe, a full pass when it saw a change or the resync is due, else another probe. */
export function nextAfterProbe(t: RunnerTimings, s: ScheduleState, outcome: ProbeOutcome, msSinceFullPass: number): { next: NextStep; state: ScheduleState } {
  if (outcome === 'changed') return { next: { kind: 'pass', afterMs: 0 }, state: { ...s, still: 0 } };
  const state = { ...s, still: outcome === 'still' ? s.still + 1 : 0 };
  const afterMs = probeInterval(t, state.still);
  if (msSinceFullPass + afterMs > t.resyncMs) return { next: { kind: 'pass', afterMs: 0, resync: true }, state };
  return { next: { kind: 'probe', afterMs }, state };
}

export interface Reconciler {
  /** One full observe -> plan -> act pass. */
  pass(signal: AbortSignal): Promise<PassOutcome>;
  /**
   * Cheap: did anything change since the last full pass, or move since the last probe?
   * Errors count as a change. `quiet`: nothing moved for `quietAfterProbes` probes, so a
   * narrower look will do (the controller then asks only the masters: controller/probe.ts).
   */
  probe?(signal: AbortSignal, quiet: boolean): Promise<ProbeOutcome>;
}

export interface RunnerOptions {
  name: string;
  reconciler: Reconciler;
  timings?: Partial<RunnerTimings>;
  /** Logs a failing pass once per distinct error, and its recovery. */
  report: (line: string) => void;
}

export class ReconcileRunner {
  private readonly t: RunnerTimings;
  private readonly abort = new AbortController();
  private state: ScheduleState = FIRST_STATE;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private wakeRequested = false;
  private lastFullPass = 0;
  private lastError = '';

  constructor(private readonly o: RunnerOptions) {
    this.t = { ...DEFAULT_TIMINGS, ...o.timings };
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Starts with a full pass after `firstMs`. */
  start(firstMs = 0): void {
    this.schedule({ kind: 'pass', afterMs: firstMs });
  }

  /** Something happened (a member exited, a pod changed): a full pass as soon as none runs. */
  wake(): void {
    if (this.abort.signal.aborted) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule({ kind: 'pass', afterMs: 0 });
  }

  /** Aborts the pass in flight (its signal) and waits for it; nothing runs afterwards. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(step: NextStep): void {
    clearTimeout(this.timer);
    if (this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.running = (step.kind === 'pass' ? this.runPass(step.resync === true) : this.runProbe()).finally(() => {
        this.running = undefined;
      });
    }, step.afterMs);
  }

  private async runPass(resync: boolean): Promise<void> {
    this.wakeRequested = false;
    let outcome: PassOutcome | 'error';
    try {
      outcome = await this.o.reconciler.pass(this.abort.signal);
      this.lastFullPass = Date.now();
      if (this.lastError) this.o.report(`${this.o.name}: passes succeed again`);
      this.lastError = '';
    } catch (err) {
      outcome = 'error';
      const text = errorText(err);
      if (text !== this.lastError) this.o.report(`${this.o.name}: pass failed: ${text}`);
      this.lastError = text;
    }
    const { next, state } = nextAfterPass(this.t, this.state, outcome, resync);
    this.state = state;
    this.schedule(this.wakeRequested ? { kind: 'pass', afterMs: 0 } : next);
  }

  private async runProbe(): Promise<void> {
    const probe = this.o.reconciler.probe;
    let outcome: ProbeOutcome = 'changed';
    if (probe) {
      try {
        outcome = await probe.call(this.o.reconciler, this.abort.signal, isQuiet(this.t, this.state));
      } catch {
        outcome = 'changed';
      }
    }
    const { next, state } = nextAfterProbe(this.t, this.state, outcome, Date.now() - this.lastFullPass);
    this.state = state;
    this.schedule(this.wakeRequested ? { kind: 'pass', afterMs: 0 } : next);
  }
}

/**
 * One container of a pod: starts its process in a sandbox, runs its startup, liveness and
 * readiness probes, restarts it per the pod's restartPolicy with exponential back-off, and
 * stops it (preStop hook, SIGTERM, SIGKILL after the grace period). Reports changes through
 * onChange; the pod worker turns them into the pod's status.
 */
import { constants } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1ContainerState, V1ContainerStatus, V1Probe } from '@kubernetes/client-node';
import { type ProbeTarget, probeTimeoutMs, runAction } from './probes.js';
import { type Identity, type SandboxProcess, execInSandbox, signalSandbox, startSandbox } from './sandbox.js';
import type { Mount } from './volumes.js';

export interface ContainerContext {
  argv: string[];
  identity: Identity | undefined;
  /** Unpacked image to run in; scratchDir holds one writable layer per run of the container. */
  image?: { rootfs: string; scratchDir: string; readOnly: boolean };
  env: ReadonlyMap<string, string>;
  mounts: Mount[];
  hostname: string;
  /** The image's WorkingDir, used when the container sets none. */
  workingDir?: string;
  podIP: string;
  logFile: string;
  /** Always | OnFailure | Never */
  restartPolicy: string;
  /** terminationGracePeriodSeconds, used when a failed liveness or startup probe kills the container. */
  graceMs: number;
  onChange(): void;
  log(line: string): void;
}

// Shorter than the real kubelet's 10 s..5 min so tests of crash recovery stay quick.
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const BACKOFF_RESET_AFTER_MS = 60_000;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class ContainerRunner {
  restartCount = 0;
  ready = false;
  started = false;
  state: V1ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: V1ContainerState = {};
  /** Exit code of the last run that ended; undefined while never ended. */
  lastExitCode: number | undefined;
  private proc: SandboxProcess | undefined;
  private stopping = false;
  private backoffMs = BACKOFF_BASE_MS;
  private runs = 0;
  private timers = new Set<NodeJS.Timeout>();
  private doneResolve!: () => void;
  /** Resolves once the container has ended for good (stopped, or exited with no restart due). */
  readonly done = new Promise<void>((r) => (this.doneResolve = r));

  constructor(
    readonly spec: V1Container,
    private ctx: ContainerContext,
    private isInit = false,
  ) {}

  async start(): Promise<void> {
    if (this.stopping) return;
    const startedAt = Date.now();
    const workingDir = this.spec.workingDir ?? this.ctx.workingDir ?? (/redis/i.test(this.spec.image ?? '') ? '/data' : '/');
    // A restarted container starts from the image again, as with a real runtime.
    const img = this.ctx.image;
    const image = img && { rootfs: img.rootfs, readOnly: img.readOnly, scratch: join(img.scratchDir, `run-${this.runs++}`) };
    try {
      this.proc = await startSandbox({ ...this.ctx, workingDir, image });
    } catch (e) {
      this.ended(128, `StartError: ${(e as Error).message}`, startedAt);
      return;
    }
    const proc = this.proc;
    if (this.stopping) {
      // stop() ran while the process was being spawned and saw nothing to stop.
      signalSandbox(proc, 'SIGKILL');
      await proc.exited;
      this.proc = undefined;
      return;
    }
    this.state = { running: { startedAt: now() as unknown as Date } };
    this.started = !this.spec.startupProbe;
    this.ready = !this.isInit && this.started && !this.spec.readinessProbe;
    this.ctx.log(`started ${this.spec.name} (pid ${proc.pid}): ${this.ctx.argv.join(' ')}`);
    this.ctx.onChange();
    this.scheduleProbes(proc);
    if (this.spec.lifecycle?.postStart && !(await runAction(this.spec.lifecycle.postStart, this.target(proc), 30_000))) {
      this.ctx.log(`postStart hook of ${this.spec.name} failed; killing it`);
      signalSandbox(proc, 'SIGKILL');
    }
    const { code, signal } = await proc.exited;
    // Like a container runtime: death by signal N reads as exit code 128 + N.
    const bySignal = signal ? 128 + (constants.signals[signal as NodeJS.Signals] ?? 15) : 143;
    this.ended(code ?? bySignal, signal ? `signal ${signal}` : 'exited', startedAt);
  }

  private ended(exitCode: number, why: string, startedAt: number) {
    this.clearTimers();
    this.proc = undefined;
    this.ready = false;
    this.lastExitCode = exitCode;
    const terminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      message: why,
      startedAt: new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z') as unknown as Date,
      finishedAt: now() as unknown as Date,
    };
    this.ctx.log(`container ${this.spec.name} ended: exit ${exitCode} (${why})`);
    const policy = this.ctx.restartPolicy;
    const restart = !this.stopping && (policy === 'Always' && !this.isInit ? true : policy !== 'Never' && exitCode !== 0);
    if (!restart) {
      this.state = { terminated };
      this.ctx.onChange();
      this.doneResolve();
      return;
    }
    this.lastState = { terminated };
    if (Date.now() - startedAt > BACKOFF_RESET_AFTER_MS) this.backoffMs = BACKOFF_BASE_MS;
    this.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${this.backoffMs / 1000}s restarting` } };
    this.ctx.onChange();
    this.later(this.backoffMs, () => {
      this.restartCount++;
      void this.start();
    });
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }

  private target(proc: SandboxProcess): ProbeTarget {
    return { pid: proc.pid, env: this.ctx.env, podIP: this.ctx.podIP, container: this.spec, identity: this.ctx.identity, inImage: Boolean(this.ctx.image) };
  }

  private scheduleProbes(proc: SandboxProcess) {
    const s = this.spec;
    if (this.isInit) return;
    if (s.startupProbe)
      this.probeLoop(proc, s.startupProbe, (ok) => {
        if (!ok) return this.probeFailedKill(proc, 'startup');
        this.started = true;
        if (!s.readinessProbe) this.ready = true;
        this.ctx.onChange();
        return 'stop';
      });
    if (s.livenessProbe) this.probeLoop(proc, s.livenessProbe, (ok) => (ok ? undefined : this.probeFailedKill(proc, 'liveness')));
    if (s.readinessProbe)
      this.probeLoop(proc, s.readinessProbe, (ok) => {
        if (ok !== this.ready) {
          this.ready = ok;
          this.ctx.onChange();
        }
        return undefined;
      });
  }

  /** Runs a probe every period once started; threshold-crossing results go to onResult. */
  private probeLoop(proc: SandboxProcess, p: V1Probe, onResult: (ok: boolean) => 'stop' | undefined) {
    const isStartup = p === this.spec.startupProbe;
    let successes = 0;
    let failures = 0;
    const tick = async () => {
      if (this.proc !== proc) return;
      if (!isStartup && !this.started) return this.later((p.periodSeconds ?? 10) * 1000, tick);
      const ok = await runAction(p, this.target(proc), probeTimeoutMs(p));
      if (this.proc !== proc) return;
      if (ok) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
      }
      let verdict: 'stop' | undefined;
      if (ok && successes >= (p.successThreshold ?? 1)) verdict = onResult(true);
      else if (!ok && failures >= (p.failureThreshold ?? 3)) verdict = onResult(false);
      if (verdict !== 'stop') this.later((p.periodSeconds ?? 10) * 1000, tick);
    };
    this.later((p.initialDelaySeconds ?? 0) * 1000, tick);
  }

  private probeFailedKill(proc: SandboxProcess, kind: string): 'stop' {
    this.ctx.log(`${kind} probe of ${this.spec.name} failed; restarting it`);
    void this.kill(proc, this.ctx.graceMs);
    return 'stop';
  }

  /** preStop hook (bounded by the grace period), SIGTERM, then SIGKILL when the grace runs out. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.clearTimers();
    const proc = this.proc;
    if (!proc) {
      if (!this.state.terminated) this.state = { terminated: { exitCode: 0, reason: 'Completed' } };
      this.doneResolve();
      return;
    }
    const deadline = Date.now() + graceMs;
    const preStop = this.spec.lifecycle?.preStop;
    // A forced stop (grace 0, or the kubelet shutting down) skips the hook, as the kubelet does.
    if (preStop && graceMs > 0) {
      const ok = await runAction(preStop, this.target(proc), graceMs);
      this.ctx.log(`preStop hook of ${this.spec.name} ${ok ? 'succeeded' : 'failed'}`);
    }
    await this.kill(proc, Math.max(deadline - Date.now(), 0));
    await this.done;
  }

  private async kill(proc: SandboxProcess, graceMs: number) {
    signalSandbox(proc, 'SIGTERM');
    const timer = setTimeout(() => signalSandbox(proc, 'SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }

  /** Like `kubectl exec`: runs argv in the container's namespaces, as its user, with its env. */
  async exec(argv: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    if (!this.proc) throw new Error(`container ${this.spec.name} is not running`);
    return execInSandbox(this.proc.pid, argv, this.ctx.env, timeoutMs, this.ctx.identity, Boolean(this.ctx.image));
  }

  status(): V1ContainerStatus {
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      imageID: `rck-process://${this.spec.image ?? ''}`,
      containerID: this.proc ? `rck-process://${this.proc.pid}` : undefined,
      ready: this.ready,
      started: this.started && Boolean(this.proc),
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }

  private later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private clearTimers() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * The supervisor: one process per local cluster (the kubelet + StatefulSet controller).
 * It owns the member processes, bootstraps a new cluster, answers the control socket
 * and runs reconcile loops: the controller (issue 4) plugs in as a ReconcileLoop and
 * sees only the Platform interface.
 *
 * Start-up order: members are spawned before the modules only later steps need (the
 * Redis client, the engine, the crash responder, the controller) are loaded; those load
 * while the members start, inside the 2 s Redis holds a new master at cluster_state:fail.
 */
import { rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { errorText } from '../../errors.js';
import { ReconcileRunner } from '../../controller/runner.js';
import { EventLog } from '../../controller/event-log.js';
import type { Observation } from '../../topology/observation.js';
import { renderSharedConf } from '../../spec/redis-conf.js';
import { memberCount, nodeTimeoutMs } from '../../spec/members.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { NodeAddress } from '../../redis/address.js';
import type { Member, PlatformEvent } from '../platform.js';
import { type ControlRequest, serveControl } from './control.js';
import type { Health } from './health.js';
import type { MemberStatus } from './member-status.js';
import type { CrashResponder } from './crash-responder.js';
import { LocalPlatform } from './local-platform.js';
import type { ReconcileContext, ReconcileLoop } from './reconcile-loop.js';
import type { LocalMetrics } from './local-metrics.js';
import { claimSupervisor, releaseSupervisor } from './supervisor-record.js';
import type { StateDir } from './state-dir.js';
import { type ConnectionProfile, OPEN_PROFILE } from '../../redis/profile.js';

export type SupervisorPhase = 'Starting' | 'Bootstrapping' | 'Running' | 'Stopping';

export interface SupervisorStatus {
  cluster: string;
  pid: number;
  phase: SupervisorPhase;
  health?: Health;
  members: Member[];
  /** Where `/metrics` (and the web view) is served: http://127.0.0.1:port */
  http?: string;
}

export interface SupervisorOptions {
  state: StateDir;
  /** Progress and event lines (stderr in the foreground, the log file detached). */
  report: (line: string) => void;
  /** The loops (the controller), loaded once the members are spawned: they need none of it to start. */
  loadLoops?: () => Promise<ReconcileLoop[]>;
  /** How long `up` waits for a healthy cluster before reporting it as degraded. */
  healthTimeoutMs?: number;
  logFile?: string;
}

export class Supervisor {
  private platform?: LocalPlatform;
  /** Loaded after the members are spawned (see crashResponder); set once it is. */
  private crashes?: CrashResponder;
  private crashesLoading?: Promise<CrashResponder>;
  private cluster?: RedisCluster;
  private profile: ConnectionProfile = OPEN_PROFILE;
  private server?: Server;
  private web?: LocalMetrics;
  private phase: SupervisorPhase = 'Starting';
  private health?: Health;
  private readonly abort = new AbortController();
  private stopping?: Promise<void>;
  private runners: ReconcileRunner[] = [];
  private stopRenewal?: () => void;
  /** The cluster's one event log, shared by platform, crash responder and controller. */
  private readonly events: EventLog;
  private markDone!: () => void;
  private readonly done = new Promise<void>((r) => (this.markDone = r));

  constructor(private readonly opts: SupervisorOptions) {
    this.events = new EventLog(opts.state.eventsFile);
  }

  /**
   * Starts members and bootstraps; resolves once the cluster is healthy (or the health
   * deadline passed: then it keeps running degraded and says why). Call `stopped()` to
   * wait for the end.
   */
  /** `members`: the rows of the observation that found it healthy (absent when degraded). */
  async start(): Promise<{ created: boolean; health: Health; members?: MemberStatus[] }> {
    const { state, report } = this.opts;
    await claimSupervisor(state, this.opts.logFile);
    try {
      const cluster = await state.readSpec();
      this.cluster = cluster;
      // Independent file work, at once: every ms before the members spawn adds to `up`.
      const [profile, , previous] = await Promise.all([
        state.profile(cluster, 'rck-supervisor'),
        writeFile(state.sharedConf, renderSharedConf(cluster.spec, cluster.metadata.name), { mode: 0o644 }),
        state.readMembers(),
      ]);
      this.profile = profile;
      const platform = new LocalPlatform(
        state,
        cluster,
        this.profile,
        previous,
        (member, gone) => this.recreateGate(member, gone),
        async (member, gone, exitedAt, volumeLost) =>
          this.phase === 'Stopping' ? { promoted: false } : (await this.crashResponder()).beforeRestart(member, gone, exitedAt, volumeLost),
        this.events,
      );
      this.platform = platform;
      platform.onEvent((e) => this.onPlatformEvent(e));
      // Members a killed supervisor left running keep serving: adopted, never restarted.
      const adopted = await platform.adoptLeftovers(previous, report);
      this.server = await serveControl(state.controlSocket, (req) => this.handle(req));
      await platform.reserveAddresses();
      const total = platform.addresses().length;
      report(
        adopted.length > 0
          ? `adopted ${adopted.length} running member(s); starting ${total - adopted.length} of ${total}`
          : `starting ${total} members of ${cluster.metadata.name}`,
      );
      // A member that died while no supervisor ran is a crash seen late: its replica takes
      // over first, or it would come back at its address (maybe without its data) and be
      // followed. Only when others kept running: a cold start has no replica to promote.
      if (adopted.length > 0) {
        const crashes = await this.crashResponder();
        for (const m of await platform.listMembers()) if (!adopted.includes(m.name)) await crashes.beforeRestart(m.name, m.address, Date.now());
      }
      // What the next steps need loads once every member is spawned, while they boot.
      let later!: Promise<[typeof import('./bootstrap.js'), ReconcileLoop[], CrashResponder, typeof import('./local-metrics.js')]>;
      await platform.startAll(() => {
        later = Promise.all([import('./bootstrap.js'), this.opts.loadLoops?.() ?? [], this.crashResponder(), import('./local-metrics.js')]);
      });
      const [{ bootstrapIfNew, waitHealthy }, loops, , { LocalMetrics }] = await later;
      this.web = new LocalMetrics(cluster.metadata.name, state.eventsFile);
      // Being watched matters less than keeping the cluster: a failure here is reported, not fatal.
      await this.web.start().then(
        (url) => report(`metrics and web view at ${url}/`),
        (err) => report(`cannot serve metrics: ${errorText(err)}`),
      );
      this.phase = 'Bootstrapping';
      const b = { platform, state, cluster, profile: this.profile, report };
      const { created, converged } = await bootstrapIfNew(b);
      // The controller runs from here on: an existing cluster may need healing (or a
      // scale finished) before it is healthy.
      this.startLoops(loops);
      if (cluster.spec.tls.enabled) this.stopRenewal = await this.startRenewal();
      let members: MemberStatus[] | undefined;
      try {
        members = await waitHealthy(b, this.opts.healthTimeoutMs ?? 30_000, this.abort.signal, converged);
        this.health = { healthy: true, problems: [] };
      } catch (err) {
        this.health = { healthy: false, problems: [errorText(err)] };
      }
      if (this.abort.signal.aborted) return { created, health: this.health }; // stopped while starting
      this.phase = 'Running';
      return { created, health: this.health, members };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The crash responder, loaded on first use (a member's exit awaits it). */
  private crashResponder(): Promise<CrashResponder> {
    this.crashesLoading ??= import('./crash-responder.js').then(({ CrashResponder }) => {
      this.crashes = new CrashResponder({
        state: this.opts.state,
        events: this.events,
        profile: this.profile,
        persistence: () => this.cluster!.spec.persistence.enabled,
        replicaNoFailover: () => String(this.cluster!.spec.redis.config['cluster-replica-no-failover'] ?? 'no') === 'yes',
        signal: this.abort.signal,
        members: async () => (await this.platform?.listMembers()) ?? [],
        report: this.opts.report,
      });
      return this.crashes;
    });
    return this.crashesLoading;
  }

  /** spec.tls: members' certificates near their end are renewed and reloaded without a restart (tls-renew.ts). */
  private async startRenewal(): Promise<() => void> {
    const { startRenewalTimer } = await import('./tls-renew.js');
    return startRenewalTimer({
      state: this.opts.state,
      profile: this.profile,
      members: async () => (await this.platform?.listMembers()) ?? [],
      record: (e) => this.events.record({ ...e, time: new Date().toISOString(), source: 'platform' }),
      report: this.opts.report,
    });
  }

  /** Resolves when the supervisor has stopped (after `stop()`). */
  stopped(): Promise<void> {
    return this.done;
  }

  /** Stops loops and members (gracefully, data kept), closes the socket, releases the claim. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.phase = 'Stopping';
      this.abort.abort();
      this.stopRenewal?.();
      await Promise.all(this.runners.map((r) => r.stop()));
      await this.web?.close();
      await this.stopReplicasFirst();
      await this.platform?.stopAll();
      await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
      await rm(this.opts.state.controlSocket, { force: true });
      await releaseSupervisor(this.opts.state);
      this.markDone();
    })();
    return this.stopping;
  }

  async status(): Promise<SupervisorStatus> {
    return {
      cluster: this.cluster?.metadata.name ?? '',
      pid: process.pid,
      phase: this.phase,
      health: this.health,
      members: (await this.platform?.listMembers()) ?? [],
      ...(this.web?.url ? { http: this.web.url } : {}),
    };
  }

  /**
   * `down` stops replicas before masters: no replica is left to start an election
   * against a master that is merely shutting down, and every master saves last.
   */
  private async stopReplicasFirst(): Promise<void> {
    const platform = this.platform;
    if (!platform) return;
    const members = (await platform.listMembers()).filter((m) => m.up);
    const [{ withPool }, { readNode }] = await Promise.all([import('../../redis/pool.js'), import('../../topology/observe.js')]);
    const roles = await withPool({ profile: this.profile, timeoutMs: 1000 }, (pool) =>
      Promise.all(
        members.map((m) =>
          readNode(pool, m.address).then(
            (n) => n.self?.role,
            () => undefined,
          ),
        ),
      ),
    );
    const replicas = members.filter((_, i) => roles[i] === 'replica');
    this.opts.report(`stopping ${replicas.length} replica(s) first, then the masters`);
    await Promise.all(replicas.map((m) => platform.stopMember(m.name).catch(() => {})));
  }

  private async handle(req: ControlRequest): Promise<unknown> {
    const platform = this.platform;
    if (!platform) throw new Error('supervisor is still starting');
    switch (req.op) {
      case 'status':
        return this.status();
      case 'kill':
        await platform.killMember(req.member, { loseVolume: req.loseVolume });
        return { member: req.member };
      case 'restart': {
        // A master hands its slots to an in-sync replica first, so a planned restart loses no write.
        const [{ withPool }, { restartWithHandover }, { desiredShape }] = await Promise.all([
          import('../../redis/pool.js'),
          import('../../controller/rollout.js'),
          import('../../spec/desired-shape.js'),
        ]);
        await withPool({ profile: this.profile }, (pool) =>
          restartWithHandover(platform, req.member, {
            pool,
            desired: desiredShape(this.cluster!.spec),
            report: this.opts.report,
            restart: { newAddress: req.newAddress, host: req.host },
            handOver: !req.noHandover,
            wait: false,
          }),
        );
        return (await platform.listMembers()).find((m) => m.name === req.member);
      }
      case 'stop-member':
        await platform.stopMember(req.member);
        return (await platform.listMembers()).find((m) => m.name === req.member);
      case 'start-member':
        await platform.startMember(req.member);
        return (await platform.listMembers()).find((m) => m.name === req.member);
      case 'rollout-restart': {
        const spec = this.cluster!.spec;
        const [{ withPool }, { rolloutRestart }, { desiredShape }] = await Promise.all([
          import('../../redis/pool.js'),
          import('../../controller/rollout.js'),
          import('../../spec/desired-shape.js'),
        ]);
        const desired = desiredShape(spec);
        const order = await withPool({ profile: this.profile, timeoutMs: 1000 }, (pool) => rolloutRestart(platform, { pool, desired, report: this.opts.report }));
        return { restarted: order };
      }
      case 'scale':
        return this.scale(req.masters, req.replicasPerMaster);
      case 'workload':
        this.web?.recorder.workload(req.rate);
        return {};
      case 'stop':
        // Answer first, then stop: the caller waits for the pid to exit.
        setImmediate(() => void this.stop());
        return { stopping: true };
      default:
        throw new Error(`unknown request ${(req as { op: string }).op}`);
    }
  }

  /**
   * Applies a new shape: the spec is recorded and the controller carries the scale
   * out (members are added at once; removed only once retired from the cluster).
   * The CLI validated the numbers; the floor is checked again because it protects data.
   */
  private async scale(masters: number, replicasPerMaster: number): Promise<{ masters: number; replicasPerMaster: number; members: number }> {
    if (!Number.isInteger(masters) || masters < 3) throw new Error(`masters ${masters}: a Redis Cluster needs at least 3 masters`);
    if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) throw new Error(`replicasPerMaster ${replicasPerMaster}: expected an integer >= 0`);
    const cluster = { ...this.cluster!, spec: { ...this.cluster!.spec, masters, replicasPerMaster } };
    await this.opts.state.writeSpec(cluster);
    this.cluster = cluster;
    this.platform!.setSpec(cluster);
    for (const r of this.runners) r.wake(); // the controller carries the new shape out now, not at its next resync
    this.opts.report(`scaling to ${masters} masters x ${replicasPerMaster} replicas (${memberCount(cluster.spec)} members)`);
    return { masters, replicasPerMaster, members: memberCount(cluster.spec) };
  }

  /** One runner per loop (controller/runner.ts); platform events wake them (onPlatformEvent). */
  private startLoops(loops: ReconcileLoop[]): void {
    const ctx = (signal: AbortSignal): ReconcileContext => ({
      platform: this.platform!,
      cluster: this.cluster!,
      profile: this.profile,
      signal,
      report: this.opts.report,
      stateDir: this.opts.state.dir,
      events: this.events,
      observed: (obs) => void this.observed(obs),
      sampled: (samples) => {
        this.crashes?.noteSamples(samples);
        this.web?.sampled(samples);
      },
      passed: (p) => this.web?.passed(p),
    });
    this.runners = loops.map((loop) => {
      const runner = new ReconcileRunner({
        name: loop.name,
        report: this.opts.report,
        reconciler: { pass: (signal) => loop.reconcile(ctx(signal)), ...(loop.probe ? { probe: (signal: AbortSignal, quiet: boolean) => loop.probe!(ctx(signal), quiet) } : {}) },
      });
      runner.start();
      return runner;
    });
  }

  /** Keeps `health` fresh for status from each full pass, and reports transitions (the live status in the foreground). */
  private async observed(obs: Observation): Promise<void> {
    this.crashes?.noteObservation(obs.model);
    const [{ localClusterHealth }, { desiredShape }] = await Promise.all([import('./health.js'), import('../../spec/desired-shape.js')]);
    const h = localClusterHealth(obs, desiredShape(this.cluster!.spec));
    const was = this.health;
    this.health = h;
    if (!was || was.healthy !== h.healthy || (!h.healthy && was.problems[0] !== h.problems[0])) {
      this.opts.report(h.healthy ? 'cluster healthy' : `cluster degraded: ${h.problems.slice(0, 3).join('; ')}`);
    }
  }

  /** A killed member comes back once the cluster noticed it was gone, as a rescheduled pod does. */
  private async recreateGate(member: string, gone: NodeAddress): Promise<string> {
    const started = Date.now();
    const { waitUntilNoticed } = await import('./recreate-gate.js');
    const outcome = await waitUntilNoticed({
      gone,
      profile: this.profile,
      nodeTimeoutMs: nodeTimeoutMs(this.cluster!.spec),
      signal: this.abort.signal,
      peers: async () => ((await this.platform?.listMembers()) ?? []).filter((m) => m.up && m.name !== member).map((m) => m.address),
    });
    const waited = Date.now() - started;
    const why = { 'failed-over': 'its replica took over', 'flagged-fail': 'the cluster flagged it failed', 'no-peers': 'no peer is up', deadline: 'deadline' }[outcome];
    return `${why} after ${waited} ms`;
  }

  private onPlatformEvent(e: PlatformEvent): void {
    for (const r of this.runners) r.wake();
    if (e.type === 'Started' && this.phase === 'Starting') return; // the start-up summary says it
    if (e.type === 'Ready' && this.phase === 'Starting') return;
    if (this.phase === 'Stopping' && e.type === 'Stopped') return;
    this.opts.report(`${e.member}: ${e.type}: ${e.message}`);
  }
}

export { stopLeftoverMembers, supervisorPid } from './supervisor-record.js';

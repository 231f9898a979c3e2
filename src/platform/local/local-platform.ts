/**
 * LocalPlatform: members as redis-server processes on loopback, with StatefulSet
 * semantics. Stable names and volumes; addresses that change when a member is re-created.
 *
 * restartPolicy Always: a member that exits by itself is restarted on its old address
 * (a container restart), with CrashLoopBackOff-style delays. A member killed through
 * `killMember` (like deleting a pod) is re-created with the same volume on a NEW port.
 */
import { rm } from 'node:fs/promises';
import { EventLog } from '../../controller/event-log.js';
import { MemberEvents } from './member-events.js';
import type { EventSink } from '../../controller/events.js';
import { join } from 'node:path';
import type { NodeAddress } from '../../redis/address.js';
import type { RedisCluster } from '../../spec/schema.js';
import { memberCount, memberName } from '../../spec/members.js';
import type { Member, Platform, PlatformEvent, PlatformEventType, RestartOptions } from '../platform.js';
import { type MemberProcess, adoptProcess, describeExit, spawnMember, waitMemberReady } from './member-process.js';
import { CLOSED_NOTE, STOPPED_EMPTY_MARKER } from '../../spec/admission.js';
import { type SpawnGate, firstThenRest, spawnGate } from './spawn-gate.js';
import { checkCanBind, portPairFree } from './preflight.js';
import { lastLogLine, logTail } from './member-log.js';
import { PortRange } from './port-range.js';
import { STOP_GRACE_MS, stopPid, stopProcess } from './member-stop.js';
import { type MembersFile, MembersFileWriter, type StateDir } from './state-dir.js';
import { type MemberState, initialMemberStates, localDomain, markRunning, memberRecord, newMemberState } from './member-state.js';
import type { CrashResponse } from './crash-responder.js';
import type { ConnectionProfile } from '../../redis/profile.js';

const BACKOFF_MS = [0, 1000, 2000, 5000, 10_000, 30_000];

export class LocalPlatform implements Platform {
  private members: MemberState[];
  private readonly notices: MemberEvents;
  private readonly ports: PortRange;
  private closed = false;
  private readonly recorder: MembersFileWriter;

  constructor(
    private readonly state: StateDir,
    private cluster: RedisCluster,
    /** How the platform connects to its members (as rck-admin, or the default user of older clusters). */
    private readonly profile: ConnectionProfile,
    previous?: MembersFile,
    /** Delays re-creating a killed member (see recreate-gate.ts); resolves to a reason. */
    private readonly recreateGate?: (member: string, oldAddress: NodeAddress) => Promise<string>,
    /**
     * Runs after a member's process exited by itself or was killed, before it is started
     * again: the supervisor promotes a crashed master's replica here (crash-responder.ts).
     */
    private readonly beforeRestart?: (member: string, oldAddress: NodeAddress, exitedAt: number, volumeLost: boolean) => Promise<CrashResponse>,
    /** The cluster's event log, shared with the crash responder and the controller. */
    readonly events: EventSink = new EventLog(state.eventsFile),
  ) {
    const { spec } = cluster;
    // A scale the controller has not finished yet keeps the members it left: it finishes it.
    const n = previous?.members.length || memberCount(spec);
    this.recorder = new MembersFileWriter(state);
    this.notices = new MemberEvents(this.events);
    this.ports = new PortRange(() => this.cluster.spec.local, previous?.nextPort ?? spec.local.basePort + n);
    this.members = initialMemberStates(cluster, n, previous, (port) => this.ports.contains(port));
  }

  get clusterName(): string {
    return this.cluster.metadata.name;
  }

  /** Addresses the members will use; call `reserveAddresses` first on `up`. */
  addresses(): Array<{ name: string; address: NodeAddress; domain: string }> {
    return this.members.map((s) => ({ name: s.name, address: { host: s.host, port: s.port }, domain: s.domain }));
  }

  /** Moves members whose previous port is taken now to free ports (an `up` after `down`). */
  async reserveAddresses(): Promise<void> {
    const toStart = this.members.filter((s) => !s.spawned); // adopted: it holds its port
    // Probed at once (a member's start waits on this); moved one after another, so no two take one port.
    const free = await Promise.all(toStart.map((s) => portPairFree(s.host, s.port)));
    for (const [i, s] of toStart.entries()) if (!free[i]) s.port = await this.allocatePort(s);
    await this.persist();
  }

  /** The member's recent log, for the controller's loss accounting (refused PSYNCs). */
  recentLog(name: string): Promise<string> {
    return logTail(this.state.memberLog(name));
  }

  async listMembers(): Promise<Member[]> {
    return this.members.map((s) => ({
      name: s.name,
      ordinal: s.ordinal,
      address: { host: s.host, port: s.port },
      domain: s.domain,
      phase: s.phase,
      up: s.up,
      restarts: s.restarts,
      pid: s.spawned?.pid,
      since: s.since,
      ...(s.failoverHeld ? { failoverHeld: true } : {}),
    }));
  }

  onEvent(listener: (e: PlatformEvent) => void): () => void {
    return this.notices.on(listener);
  }

  /**
   * Starts every member. Spawned in ordinal order without waiting for the previous one to
   * be Ready (Parallel pod management): OrderedReady would only serialise a few ms each.
   * `onSpawned` runs once every process is spawned, before any is waited for.
   */
  startAll(onSpawned?: () => void): Promise<void> {
    // A member that cannot start at all fails the start (and `up`) with its reason,
    // rather than crash-looping in BackOff behind a supervisor that never gets going.
    // A new cluster's masters (the first members: plan/create.ts) spawn first: Redis holds
    // a new master at cluster_state:fail for 2 s from its start.
    return this.startEach(this.members, true, onSpawned, this.cluster.spec.masters);
  }

  /**
   * Takes over the members a previous supervisor left running (adopt.ts proves each
   * one's identity first): they keep serving, untouched. Only a process that runs in a
   * member's volume under another identity is stopped. Returns the names adopted.
   */
  async adoptLeftovers(previous: MembersFile | undefined, report: (line: string) => void): Promise<string[]> {
    const adopted: string[] = [];
    for (const s of this.members) {
      const rec = previous?.members.find((m) => m.name === s.name);
      if (!rec?.pid) continue;
      const { judgeLeftover } = await import('./adopt.js'); // loaded only when there are leftovers
      const verdict = await judgeLeftover(this.state, rec, this.profile);
      if (verdict.kind === 'gone') continue;
      if (verdict.kind === 'impostor') {
        report(`${s.name}: stopping leftover pid ${rec.pid}: ${verdict.why}`);
        await stopPid(rec.pid);
        continue;
      }
      s.host = rec.host;
      s.port = rec.port;
      s.onExit = 'restart';
      // It kept running (a supervisor died between a stop's marker and its SIGTERM): the marker is stale.
      await rm(join(this.state.memberData(s.name), STOPPED_EMPTY_MARKER), { force: true });
      const proc = adoptProcess(rec.pid, s.host, s.port);
      s.spawned = proc;
      void proc.exited.then((e) => this.handleExit(s, proc, describeExit(e)));
      adopted.push(s.name);
      if (verdict.answering) {
        markRunning(s, new Date(Date.now() - (verdict.uptimeSeconds ?? 0) * 1000).toISOString());
        this.emit(s, 'Adopted', `pid ${rec.pid} on ${s.host}:${s.port} left running by the previous supervisor; identity verified, not restarted`);
      } else {
        s.phase = 'Starting';
        this.emit(s, 'Adopted', `pid ${rec.pid} runs in its volume but does not answer yet (loading or frozen); watching it, not restarting it`);
        void waitMemberReady(s.host, s.port, this.profile, proc, 24 * 3600_000).then(
          () => {
            if (s.spawned !== proc) return;
            markRunning(s);
            this.emit(s, 'Ready', `answering on ${s.host}:${s.port}`);
          },
          () => {},
        );
      }
    }
    await this.persist();
    return adopted;
  }

  /** Starts members at once (`firstCount` of them first); throws the first failure once every start has settled. */
  private async startEach(members: MemberState[], failFast = false, onSpawned?: () => void, firstCount = 0): Promise<void> {
    const gate = spawnGate(members.length, onSpawned);
    const results = await Promise.allSettled(firstThenRest(members, firstCount, gate, (s, g) => this.startMember(s.name, failFast, g)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** `failFast`: an exit before the member is ready is not restarted; the start fails. */
  startMember(name: string, failFast = false, gate?: SpawnGate): Promise<void> {
    const s = this.member(name);
    return this.serial(s, async () => {
      if (s.spawned) return gate?.spawned();
      s.onExit = 'restart';
      await this.launch(s, failFast, gate);
    });
  }

  stopMember(name: string): Promise<void> {
    const s = this.member(name);
    return this.serial(s, () => this.terminate(s, 'SIGTERM', 'stay-stopped'));
  }

  /** SIGKILL now; the exit handler re-creates the member on a new address (with an empty volume if `loseVolume`). */
  killMember(name: string, opts: { loseVolume?: boolean } = {}): Promise<void> {
    const s = this.member(name);
    return this.serial(s, async () => {
      if (!s.spawned) return;
      s.wipeOnRecreate = opts.loseVolume === true;
      this.emit(s, 'Killed', `killed pid ${s.spawned.pid} (SIGKILL); re-creating ${opts.loseVolume ? 'with an EMPTY volume' : 'with its volume'} on a new address`);
      await this.terminate(s, 'SIGKILL', 'recreate');
    });
  }

  restartMember(name: string, opts: RestartOptions = {}): Promise<void> {
    const s = this.member(name);
    return this.serial(s, async () => {
      if (opts.host && opts.host !== s.host) await checkCanBind(opts.host);
      await this.terminate(s, 'SIGTERM', 'stay-stopped');
      if (opts.host) s.host = opts.host;
      if (opts.newAddress || opts.host) s.port = await this.allocatePort(s);
      s.restarts++;
      s.onExit = 'restart';
      this.emit(s, 'Restarting', `restart requested${opts.newAddress ? `, new address ${s.host}:${s.port}` : ''}`);
      await this.launch(s);
    });
  }

  /** Stops every member gracefully (data kept); used by `down` and on supervisor exit. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all(this.members.map((s) => this.stopMember(s.name)));
  }

  /** The applied spec changed (a scale): new members take their placement from it. */
  setSpec(cluster: RedisCluster): void {
    this.cluster = cluster;
  }

  /**
   * Scales like a StatefulSet: new ordinals are created empty on free ports and
   * started; removed ordinals (the highest) are stopped and their volumes deleted.
   * The controller only shrinks once it has retired those members from the cluster.
   */
  async setMemberCount(count: number): Promise<void> {
    if (this.closed) throw new Error('the platform is stopping');
    const { spec } = this.cluster;
    const added: MemberState[] = [];
    for (let ordinal = this.members.length; ordinal < count; ordinal++) {
      const s = newMemberState(memberName(this.clusterName, ordinal), ordinal, localDomain(ordinal, spec.masters), spec.local.host, 0);
      s.port = await this.allocatePort(s);
      this.members.push(s);
      added.push(s);
      // An old volume of this ordinal (a scale-in before) would hold a reset node: start clean.
      await rm(this.state.memberDir(s.name), { recursive: true, force: true });
      this.emit(s, 'Created', `scale-out: new member on ${s.host}:${s.port} in ${s.domain}`);
    }
    const removed = this.members.filter((s) => s.ordinal >= count);
    await Promise.all(removed.map((s) => this.stopMember(s.name)));
    for (const s of removed) {
      await rm(this.state.memberDir(s.name), { recursive: true, force: true });
      this.emit(s, 'Deleted', 'scale-in: member stopped and its volume deleted');
    }
    this.members = this.members.filter((s) => s.ordinal < count);
    await this.persist();
    await this.startEach(added);
  }

  private member(name: string): MemberState {
    const s = this.members.find((x) => x.name === name);
    if (!s) throw new Error(`no member named ${name}`);
    return s;
  }

  private serial(s: MemberState, fn: () => Promise<void>): Promise<void> {
    const run = s.busy.then(fn, fn);
    s.busy = run.catch(() => {});
    return run;
  }

  private async launch(s: MemberState, failFast = false, gate?: SpawnGate): Promise<void> {
    s.phase = 'Starting';
    s.up = false;
    const startOpen = s.startOpen ?? false;
    s.startOpen = undefined;
    let spawned: MemberProcess;
    try {
      spawned = await spawnMember({ state: this.state, cluster: this.cluster, name: s.name, host: s.host, port: s.port, startOpen });
    } finally {
      gate?.spawned();
    }
    s.spawned = spawned;
    if (failFast) s.failFastFor = spawned;
    void spawned.exited.then((e) => this.handleExit(s, spawned, describeExit(e)));
    this.emit(s, 'Started', `pid ${spawned.pid} on ${s.host}:${s.port}${spawned.startedClosed ? `; ${CLOSED_NOTE}` : ''}`);
    await this.persist();
    await gate?.all;
    try {
      await waitMemberReady(s.host, s.port, this.profile, spawned);
    } catch (err) {
      const last = await lastLogLine(this.state.memberLog(s.name));
      throw new Error(`${s.name}: ${(err as Error).message}${last ? `: "${last}"` : ''} (log: ${this.state.memberLog(s.name)})`, { cause: err });
    } finally {
      if (s.failFastFor === spawned) s.failFastFor = undefined;
    }
    if (s.spawned !== spawned) return; // exited meanwhile; the exit handler took over
    markRunning(s);
    this.emit(s, 'Ready', `answering on ${s.host}:${s.port}`);
    const stable = setTimeout(() => {
      if (s.spawned === spawned) s.crashes = 0;
    }, 10_000);
    stable.unref();
  }

  private async terminate(s: MemberState, signal: NodeJS.Signals, then: MemberState['onExit']): Promise<void> {
    const spawned = s.spawned;
    if (!spawned) {
      // Not running (waiting to be restarted or re-created): a stop cancels that.
      if (then === 'stay-stopped') {
        s.onExit = then;
        s.phase = 'Stopped';
      }
      return;
    }
    s.onExit = then;
    s.phase = 'Stopping';
    if (signal === 'SIGTERM' && !this.cluster.spec.persistence.enabled && s.up) {
      // The process dies within the grace period (SIGKILL), so writes stay paused until it is gone.
      const { markIfStoppedEmpty } = await import('./stop-marker.js');
      await markIfStoppedEmpty({ host: s.host, port: s.port }, this.profile, this.state.memberData(s.name), STOP_GRACE_MS + 60_000);
    }
    await stopProcess(spawned, signal);
    // Let the exit handler run before the caller continues.
    await new Promise((r) => setImmediate(r));
  }

  private async handleExit(s: MemberState, spawned: MemberProcess, how: string): Promise<void> {
    if (s.spawned !== spawned) return;
    s.spawned = undefined;
    s.up = false;
    if (s.failFastFor === spawned) {
      // Exited during a fail-fast start: launch() reports it; no restart.
      s.onExit = 'stay-stopped';
      s.phase = 'Stopped';
      return;
    }
    const action = s.onExit;
    if (action === 'stay-stopped' || this.closed) {
      s.phase = 'Stopped';
      this.emit(s, 'Stopped', `stopped (${how})`);
      return;
    }
    s.phase = 'Pending';
    s.restarts++;
    // Before anything starts again where the old process was, its replica takes over.
    const exitedAt = Date.now();
    const none: CrashResponse = { promoted: false };
    const volumeLost = action === 'recreate' && s.wipeOnRecreate === true;
    const response = this.beforeRestart ? await this.beforeRestart(s.name, { host: s.host, port: s.port }, exitedAt, volumeLost).catch(() => none) : none;
    const promoted = response.promoted;
    // The responder found no copy and reported the loss: nothing is left to protect by starting closed.
    if (response.noCopy) s.startOpen = true;
    if (response.holdEnded) {
      s.failoverHeld = true;
      void response.holdEnded.finally(() => (s.failoverHeld = false));
    }
    if (this.restartCancelled(s)) return;
    if (action === 'recreate') {
      // Promoted, or its replicas' failover held off: nobody else will take its slots, so waiting for the cluster to notice would only lengthen the outage.
      if (this.recreateGate && !promoted && !response.held) {
        const why = await this.recreateGate(s.name, { host: s.host, port: s.port }).catch((err: Error) => err.message);
        if (this.restartCancelled(s)) return;
        this.emit(s, 'Restarting', `re-creating now (${why})`);
      }
      s.port = await this.allocatePort(s);
      const wipe = s.wipeOnRecreate === true;
      s.wipeOnRecreate = false;
      if (wipe) await this.state.emptyMemberData(s.name);
      this.emit(s, 'Recreated', `re-creating on new address ${s.host}:${s.port} with ${wipe ? 'an empty' : 'the same'} volume`);
    } else {
      const delay = BACKOFF_MS[Math.min(s.crashes, BACKOFF_MS.length - 1)]!;
      s.crashes++;
      this.emit(s, delay ? 'BackOff' : 'Exited', `exited by itself (${how}); restarting on ${s.host}:${s.port}${delay ? ` in ${delay} ms` : ''}`);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (this.restartCancelled(s)) return;
      if (!(await portPairFree(s.host, s.port))) s.port = await this.allocatePort(s);
    }
    await this.serial(s, async () => {
      if (this.restartCancelled(s)) return;
      s.onExit = 'restart';
      await this.launch(s);
    }).catch((err) => this.emit(s, 'Exited', `restart failed: ${(err as Error).message}`));
  }

  /** While a restart waited, the member was stopped, started again, or the platform closed. */
  private restartCancelled(s: MemberState): boolean {
    return this.closed || s.spawned !== undefined || s.onExit === 'stay-stopped';
  }

  private allocatePort(s: MemberState): Promise<number> {
    return this.ports.allocate(s.host, new Set(this.members.map((x) => x.port)), s.name);
  }

  /** Records addresses and pids (serialised writes, see MembersFileWriter). */
  private persist(): Promise<void> {
    return this.recorder.write(() => ({ nextPort: this.ports.next, members: this.members.map(memberRecord) }));
  }

  private emit(s: MemberState, type: PlatformEventType, message: string): void {
    this.notices.emit(s.name, type, message);
    if (type === 'Recreated' || type === 'Stopped') void this.persist().catch(() => {});
  }
}

/**
 * What the supervisor does between seeing a member's process exit (a crash, or `rck
 * kill`) and starting it again: promote the crashed master's replica at once (see
 * plan/crash-successor.ts), and record every case where data may have been lost as a
 * DataLoss event with its numbers. The platform saw the exit, so this is certain, not
 * Redis's failure detection guessing through a partition.
 */
import { type ClusterEvent, DATA_LOSS, type EventSink } from '../../controller/events.js';
import { errorText } from '../../errors.js';
import { failoverCrashedMaster } from '../../ops/crash-failover.js';
import { describeHeld, holdFailover, releaseFailover, waitUntilHoldCanEnd } from '../../ops/failover-hold.js';
import type { CrashDecision, CrashPeer } from '../../plan/crash-successor.js';
import { lastFullResync } from '../../controller/divergence.js';
import { logTail } from './member-log.js';
import { type NodeAddress, formatAddress } from '../../redis/address.js';
import { withPool } from '../../redis/pool.js';
import type { ClusterModel } from '../../topology/model.js';
import type { ProbeSample } from '../../controller/probe.js';
import { nodeIdInVolume } from './adopt.js';
import { aofOnVolume } from './member-process.js';
import type { Member } from '../platform.js';
import type { StateDir } from './state-dir.js';
import type { ConnectionProfile } from '../../redis/profile.js';

export interface CrashResponderDeps {
  state: StateDir;
  profile: ConnectionProfile;
  persistence: () => boolean;
  /** cluster-replica-no-failover as the spec sets it (a held replica gets it back). */
  replicaNoFailover: () => boolean;
  members: () => Promise<Member[]>;
  /** Stops hold watches when the supervisor stops. */
  signal?: AbortSignal;
  report: (line: string) => void;
  /** The cluster's event log (the platform's, shared). */
  events: EventSink;
}

export interface CrashResponse {
  /** The replica took over: the member may start at once, it will rejoin as a replica. */
  promoted: boolean;
  /** No copy survives and the loss is reported: the member may start open (nothing to protect). */
  noCopy?: boolean;
  /**
   * Its replicas' failover is held off (ops/failover-hold.ts): start it again at once,
   * without waiting for the cluster to notice it gone; nobody will take its slots.
   */
  held?: boolean;
  /** Settles when the hold ends (or its watch stops). */
  holdEnded?: Promise<void>;
}

/** How long to wait for other exits before treating one as a lone crash (part of the outage). */
const LONE_EXIT_WINDOW_MS = 100;

/**
 * The other members that exited within 0.5 s of this one and are not up again: a member
 * already back is not dying with this one. Pure.
 */
export function exitedTogether(exits: ReadonlyMap<string, number>, member: string, exitedAt: number, upNow: ReadonlySet<string>): string[] {
  return [...exits].filter(([m, t]) => m !== member && !upNow.has(m) && Math.abs(t - exitedAt) < LONE_EXIT_WINDOW_MS * 5).map(([m]) => m);
}

export class CrashResponder {
  /** Keys each node id held when last observed (the health loop feeds it), for the loss numbers. */
  private readonly lastKeys = new Map<string, number>();
  /** When each member last exited, to tell a lone crash from several members lost at once. */
  private readonly exits = new Map<string, number>();

  constructor(private readonly deps: CrashResponderDeps) {}

  /** Remembers what each master held, from an observation the supervisor made anyway. */
  noteObservation(model: ClusterModel): void {
    for (const n of model.nodes) if (n.id && n.self?.role === 'master') this.lastKeys.set(n.id, n.keys);
  }

  /** The same from the controller's idle probes (controller/probe.ts), between full passes. */
  noteSamples(samples: readonly ProbeSample[]): void {
    for (const s of samples) if (s.role === 'master') this.lastKeys.set(s.nodeId, s.keys);
  }

  /**
   * `volumeLost`: the member comes back without its volume (`rck kill --lose-volume`), so
   * nothing it held survives the restart, whatever the persistence setting.
   */
  async beforeRestart(member: string, address: NodeAddress, exitedAt: number, volumeLost = false): Promise<CrashResponse> {
    // Several members gone at once (a node lost, everything killed) is not the one-crash
    // case: a replica picked now may be dying too. Redis's own failover and the
    // controller, which re-observe, handle that; this path then only holds a stale
    // replica's election off (that needs no replica to be healthy).
    this.exits.set(member, exitedAt);
    await new Promise((r) => setTimeout(r, LONE_EXIT_WINDOW_MS));
    const members = await this.deps.members();
    // A member that exited just before but is up again is not dying with this one (campaign
    // off seed 46: a master's replica came back empty, resynced, and the master was killed
    // 0.5 s after that replica's exit; left to Redis, its loss went unreported).
    const others = exitedTogether(this.exits, member, exitedAt, new Set(members.filter((m) => m.up).map((m) => m.name)));
    const dataDir = this.deps.state.memberData(member);
    const deadNodeId = await nodeIdInVolume(dataDir);
    const peers = members.filter((m) => m.up && m.name !== member).map((m) => ({ member: m.name, address: m.address }));
    if (peers.length === 0) return { promoted: false };
    const persistence = !volumeLost && this.deps.persistence() && (await aofOnVolume(dataDir));
    const r = await withPool({ profile: this.deps.profile, timeoutMs: 500 }, (pool) =>
      failoverCrashedMaster(pool, {
        deadAddress: address,
        deadNodeId,
        peers,
        exitedAt,
        persistence,
        snapshotOf: (m) => this.snapshotOf(m),
        promote: others.length === 0,
      }),
    );
    const d = r.decision;
    if (d.kind === 'restart' && d.hold?.length) return this.hold(member, d);
    if (others.length > 0) {
      this.deps.report(`${member}: exited together with ${others.join(', ')}; no crash failover, Redis and the controller take it from here`);
      return { promoted: false };
    }
    const held = deadNodeId !== undefined ? this.lastKeys.get(deadNodeId) : undefined;
    const heldText = held !== undefined ? `${held} keys when last observed` : 'an unknown number of keys';
    if (d.kind === 'promote') {
      const how = `CLUSTER FAILOVER ${d.mode.toUpperCase()}`;
      if (r.promoted) {
        this.deps.report(`${member}: exited; promoted ${d.member} (${how}) in ${r.tookMs} ms: ${d.reason}`);
        await this.record({
          type: 'Warning',
          member: d.member,
          reason: 'CrashFailover',
          message: `${member} (${formatAddress(address)}) exited; promoted ${d.member} with ${how} in ${r.tookMs} ms: ${d.reason}`,
        });
      } else {
        this.deps.report(`${member}: exited; promoting ${d.member} failed: ${r.error}`);
        await this.record({ type: 'Warning', member: d.member, reason: 'CrashFailoverFailed', message: `${how} after ${member} exited: ${r.error}` });
      }
      if (r.promoted && !d.inSync) {
        const lost = held !== undefined ? Math.max(0, held - d.replicaKeys) : undefined;
        await this.dataLoss(member, lost, `${member} held ${heldText}; its replica ${d.member} was not in sync and holds ${d.replicaKeys}: writes it had not received are lost`);
      }
      return { promoted: r.promoted };
    }
    if (d.kind === 'no-copy') {
      await this.dataLoss(member, held, `${member} exited and no copy of its data survives (${d.reason}); it held ${heldText} and restarts empty`);
      return { promoted: false, noCopy: true };
    }
    return { promoted: false };
  }

  /** Holds the stale replicas' election off while the master restarts, and ends the hold in the background. */
  private async hold(member: string, d: Extract<CrashDecision, { kind: 'restart' }>): Promise<CrashResponse> {
    const replicas = d.hold!;
    const unreachable = await withPool({ profile: this.deps.profile, timeoutMs: 500 }, (pool) => holdFailover(pool, replicas));
    const started = Date.now();
    this.deps.report(`${member}: exited; holding failover off on ${describeHeld(replicas)} while it restarts: ${d.reason}`);
    await this.record({
      type: 'Warning',
      member,
      reason: 'HoldFailover',
      message: `${member} exited; ${d.reason}${unreachable.length ? ` (could not reach ${unreachable.join(', ')})` : ''}`,
    });
    const addressOf = async (name: string) => (await this.deps.members()).find((m) => m.name === name && m.up)?.address;
    const holdEnded = withPool({ profile: this.deps.profile, timeoutMs: 500 }, async (pool) => {
      const end = await waitUntilHoldCanEnd(pool, { masterAddress: () => addressOf(member), replicaAddress: addressOf, replicas, signal: this.deps.signal });
      if (end === 'aborted') return;
      const current = await Promise.all(replicas.map(async (r) => ({ address: (await addressOf(r.member)) ?? r.address })));
      await releaseFailover(pool, current, this.deps.replicaNoFailover());
      const why = end === 'replicas-synced' ? `its replicas follow it again with its data` : `${member} is a replica now`;
      this.deps.report(`${member}: failover hold ended after ${Date.now() - started} ms: ${why}`);
      await this.record({
        type: 'Normal',
        member,
        reason: 'HoldFailoverEnded',
        message: `failover hold on ${describeHeld(replicas)} ended after ${Date.now() - started} ms: ${why}`,
      });
    }).catch((err) => this.deps.report(`${member}: failover hold watch failed: ${errorText(err)}`));
    return { promoted: false, held: true, holdEnded };
  }

  /** A replica's newest full-resync snapshot, from its log (see plan/crash-successor.ts). */
  private async snapshotOf(member: string): Promise<CrashPeer['snapshot']> {
    return lastFullResync(await logTail(this.deps.state.memberLog(member)));
  }

  private async dataLoss(member: string, keysLost: number | undefined, reason: string): Promise<void> {
    this.deps.report(`${member}: DATA LOSS: ${reason}`);
    await this.record({ type: 'Warning', member, reason: DATA_LOSS, message: reason, ...(keysLost !== undefined ? { keysLost } : {}) });
  }

  private async record(e: Omit<ClusterEvent, 'time' | 'source'>): Promise<void> {
    try {
      await this.deps.events.record({ time: new Date().toISOString(), source: 'controller', ...e });
    } catch (err) {
      this.deps.report(`cannot record event: ${errorText(err)}`);
    }
  }
}

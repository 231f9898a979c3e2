/**
 * The reconcile loop: observe -> plan -> act -> record, one pass at a time.
 * Level-triggered: a pass starts from what it observes, so the controller can be
 * killed at any moment and started again. It sees members only through a
 * ClusterPlatform, so the same code runs locally and on Kubernetes.
 */
import { errorText } from '../errors.js';
import { NodePool } from '../redis/pool.js';
import type { ConnectionProfile } from '../redis/profile.js';
import { type HealMemory, type HealPlan, describeAction, planHeal } from '../plan/heal/index.js';
import { act } from './act.js';
import { type Condition, conditionsFor } from './conditions.js';
import { DATA_LOSS, type EventSink, eventReason } from './events.js';
import { type LossReport, LossWatch } from './loss-watch.js';
import type { Observation } from '../topology/observation.js';
import type { DesiredShape } from '../spec/desired-shape.js';
import { observe } from './observe.js';
import type { ClusterPlatform } from './cluster-platform.js';
import { type ProbeSample, dataMoved, mergeSamples, probeChanged, probeMembers, probeTargets } from './probe.js';
import type { PassOutcome, ProbeOutcome } from './runner.js';

export interface ControllerOptions {
  clusterName: string;
  source: ClusterPlatform;
  desired: DesiredShape;
  /** Who the controller is to the nodes (redis/profile.ts); absent: nodes without a password. */
  profile?: ConnectionProfile;
  events: EventSink;
  /** One line per action or change of state, for logs. */
  report?: (line: string) => void;
  timeoutMs?: number;
}

export interface PassResult {
  obs: Observation;
  plan: HealPlan;
  conditions: Condition[];
  errors: string[];
  /** For the runner: acted, still busy (healing, waiting, degraded), or settled. */
  outcome: PassOutcome;
}

/** Acted when every action succeeded; settled when nothing is left to do or wait for and Ready is True. */
export function passOutcome(plan: HealPlan, conditions: readonly Condition[], errors: readonly string[]): PassOutcome {
  if (plan.actions.length > 0) return errors.length === 0 ? 'acted' : 'busy';
  const ready = conditions.find((c) => c.type === 'Ready')?.status === 'True';
  return plan.waiting.length === 0 && ready ? 'settled' : 'busy';
}

export class Controller {
  /** Kept across passes (closed connections are redialled); `close()` releases it. */
  private readonly pool: NodePool;
  private memory: HealMemory = {};
  private conditions: Condition[] = [];
  private lastWaiting = '';
  private readonly losses: LossWatch;
  /** The last settled pass's members and each one's probe fingerprint (see probe.ts). */
  private settled?: { obs: Observation; lines: Map<string, string> };
  private lastSamples: ProbeSample[] = [];

  constructor(private readonly opts: ControllerOptions) {
    this.pool = new NodePool({ profile: opts.profile, timeoutMs: opts.timeoutMs ?? 1000 });
    this.losses = new LossWatch(opts.source.recentLog?.bind(opts.source));
  }

  /** Closes the connections to the nodes (the controller is being replaced or stopped). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** A new desired shape (the spec was scaled); the next pass plans toward it. */
  setDesired(desired: DesiredShape): void {
    this.opts.desired = desired;
  }

  get currentConditions(): Condition[] {
    return this.conditions;
  }

  /**
   * Cheap change detection while settled: true when the members that answered the last
   * pass now say something a heal could react to (or do not answer), or no pass settled.
   * `quiet` (nothing moved for a while): only the masters are asked (probeTargets).
   */
  async probe(quiet: boolean): Promise<ProbeOutcome> {
    if (!this.settled) return 'changed';
    try {
      const p = await probeMembers(this.pool, probeTargets(this.settled.obs.members, quiet));
      if (probeChanged(this.settled.lines, p.lines)) return 'changed';
      const moved = dataMoved(this.lastSamples, p.samples);
      this.losses.sampled(p.samples);
      this.lastSamples = mergeSamples(this.lastSamples, p.samples);
      return moved ? 'moving' : 'still';
    } catch {
      return 'changed';
    }
  }

  /** Key counts and offsets the last unchanged probe saw (fresher than the last full pass). */
  get samples(): readonly ProbeSample[] {
    return this.lastSamples;
  }

  /** One pass; `signal` (the runner stopping) ends it between actions and a slot move between batches. */
  async pass(signal?: AbortSignal): Promise<PassResult> {
    this.settled = undefined;
    const pool = this.pool;
    const report = this.opts.report ?? (() => {});
    const obs = await observe(this.opts.source, pool);
    for (const loss of await this.losses.observed(obs)) await this.recordLoss(loss);
    const plan = planHeal(obs, this.opts.desired, this.memory);
    this.memory = plan.memory;
    const waiting = plan.waiting.join('; ');
    if (waiting && waiting !== this.lastWaiting) report(`waiting: ${waiting}`);
    this.lastWaiting = waiting;
    const errors: string[] = [];
    for (const action of plan.actions) {
      if (signal?.aborted) break;
      const member = 'member' in action ? action.member : this.opts.clusterName;
      const started = Date.now();
      try {
        await act(action, { pool, source: this.opts.source, desired: this.opts.desired, obs, signal });
        report(`${describeAction(action)} (${Date.now() - started} ms)`);
        const warn = action.kind === 'promote' || action.kind === 'promote-copy' || action.kind === 'crash-failover' || action.kind === 'hold-failover';
        await this.record(warn ? 'Warning' : 'Normal', member, eventReason(action.kind), action.kind === 'promote' ? `${action.reason}; ${action.warning}` : action.reason);
        // A forced promotion loses what the master had beyond the copy (the chaos campaign caught
        // such losses going unreported: keys, then writes on a copy still syncing); so does admitting without a copy.
        if (action.kind === 'promote') await this.recordLoss(await this.losses.promotedOver(obs, action.member, action.masterId, `FAILOVER ${action.mode.toUpperCase()}`));
        if (action.kind === 'crash-failover')
          await this.recordLoss(await this.losses.promotedOver(obs, action.member, action.masterId, `FAILOVER ${action.mode.toUpperCase()}`, 'bytes'));
        if (action.kind === 'promote-copy')
          await this.recordLoss(await this.losses.promotedOver(obs, action.member, action.masterId, 'FAILOVER FORCE over its emptied master', 'bytes'));
        if (action.kind === 'admit' && action.dataLoss) await this.recordLoss(this.losses.admittedEmpty(obs, action.member, action.dataLoss));
      } catch (err) {
        errors.push(`${describeAction(action)}: ${errorText(err)}`);
        report(`failed: ${describeAction(action)}: ${errorText(err)}`);
        await this.record('Warning', member, eventReason(action.kind, true), errorText(err));
      }
    }
    this.conditions = conditionsFor(obs, this.opts.desired, plan, this.conditions);
    const outcome = passOutcome(plan, this.conditions, errors);
    // The probes compare with the state right after this pass (a change in between wakes a pass).
    if (outcome === 'settled')
      this.settled = await probeMembers(pool, obs.members).then(
        ({ lines, samples }) => {
          this.lastSamples = samples; // what the next probe's samples are compared with
          return { obs, lines };
        },
        () => undefined,
      );
    return { obs, plan, conditions: this.conditions, errors, outcome };
  }

  private async recordLoss(loss: LossReport | undefined): Promise<void> {
    if (!loss) return;
    (this.opts.report ?? (() => {}))(`data loss: ${loss.member}: ${loss.reason}`);
    await this.record('Warning', loss.member, DATA_LOSS, loss.reason, { keysLost: loss.keysLost, bytesLost: loss.bytesLost });
  }

  private async record(type: 'Normal' | 'Warning', member: string, reason: string, message: string, size: { keysLost?: number; bytesLost?: number } = {}): Promise<void> {
    try {
      await this.opts.events.record({
        time: new Date().toISOString(),
        type,
        reason,
        message,
        member,
        source: 'controller',
        ...(size.keysLost !== undefined ? { keysLost: size.keysLost } : {}),
        ...(size.bytesLost !== undefined ? { bytesLost: size.bytesLost } : {}),
      });
    } catch {
      /* events are best effort: never stop healing because a log write failed */
    }
  }
}

/**
 * Prometheus metrics (prom-client) of the clusters one process keeps: the local
 * supervisor (one) or the operator (one per RedisCluster, told apart by the labels
 * namespace and cluster). Gauges are computed at scrape time from the snapshot each
 * ClusterRecorder keeps (the last full pass, the idle probe's samples): a scrape sends
 * no query to any node. Counters and the pass histogram count as things happen.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DesiredShape } from '../spec/desired-shape.js';
import type { Observation } from '../topology/observation.js';
import { SLOT_COUNT } from '../topology/slots.js';
import type { Condition } from './conditions.js';
import { type ClusterEvent, DATA_LOSS } from './events.js';
import { type ClusterFacts, type MemberFacts, clusterFacts, memberFacts, promotedBetween } from './metrics-facts.js';
import type { ProbeSample } from './probe.js';
import type { WorkloadView } from './cluster-view.js';

const RECENT_EVENTS = 100;
/** A workload that stopped reporting (it reports every second) leaves the view after this. */
const WORKLOAD_FRESH_MS = 3000;

export interface ClusterLabels {
  /** Empty locally. */
  namespace: string;
  cluster: string;
}

const CLUSTER_LABELS = ['namespace', 'cluster'] as const;
const MEMBER_LABELS = [...CLUSTER_LABELS, 'member'] as const;

/** What one full pass hands to the metrics. */
export interface PassSnapshot {
  obs: Observation;
  conditions: readonly Condition[];
  desired: DesiredShape;
  durationMs: number;
}

/** The latest snapshot of one cluster, and its counters. */
export class ClusterRecorder {
  private obs?: Observation;
  private conditions: readonly Condition[] = [];
  private desired?: DesiredShape;
  private samples: readonly ProbeSample[] = [];
  private dataLoss?: boolean;
  private lastWorkload?: WorkloadView;
  private readonly listeners = new Set<() => void>();
  private cachedFacts?: { cluster: ClusterFacts; members: MemberFacts[] };
  /** Actions counted so far (their series go when the cluster is removed). */
  readonly actionsSeen = new Set<string>();

  constructor(
    readonly labels: ClusterLabels,
    private readonly m: RckMetrics,
  ) {}

  /** A full pass ended: new snapshot; failovers seen since the previous pass are counted. */
  passed(p: PassSnapshot): void {
    const promoted = promotedBetween(this.obs, p.obs).length;
    if (promoted > 0) this.m.failovers.inc({ ...this.labels }, promoted);
    this.obs = p.obs;
    this.conditions = p.conditions;
    this.desired = p.desired;
    this.samples = [];
    this.m.passDuration.observe({ ...this.labels }, p.durationMs / 1000);
    this.changed();
  }

  /** An idle probe's samples (key counts a second old). */
  sampled(samples: readonly ProbeSample[]): void {
    this.samples = samples;
    this.changed();
  }

  /** The latest events recorded through `event` (the operator's web view shows them). */
  readonly recentEvents: ClusterEvent[] = [];

  /**
   * An event of the cluster: a DataLoss counts as one; what the controller (and locally the
   * crash responder) did counts as a heal action labelled with the event's reason
   * (Promote, CrashFailover, JoinReplica...); platform and user events count as neither.
   */
  event(e: ClusterEvent): void {
    this.recentEvents.push(e);
    if (this.recentEvents.length > RECENT_EVENTS) this.recentEvents.shift();
    if (e.reason === DATA_LOSS) this.m.dataLossEvents.inc({ ...this.labels });
    else if (e.source === 'controller') {
      this.actionsSeen.add(e.reason);
      this.m.healActions.inc({ ...this.labels, action: e.reason });
    }
  }

  /** A running workload's last second (the web view shows it; not a metric: it is the client's view, not the cluster's). */
  workload(w: Omit<WorkloadView, 'reportedAt'>, now = Date.now()): void {
    this.lastWorkload = { ...w, reportedAt: now };
    for (const fn of this.listeners) fn();
  }

  /** The DataLoss condition (unacknowledged losses), when the platform keeps it apart from the pass. */
  dataLossCondition(open: boolean): void {
    if (this.dataLoss !== open) this.cachedFacts = undefined;
    this.dataLoss = open;
  }

  /** Calls `fn` after every new pass or samples (the live web view); returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The snapshot as it is: the last pass (if any) and the samples since. */
  snapshot(
    now = Date.now(),
  ): { obs: Observation; conditions: readonly Condition[]; desired: DesiredShape; samples: readonly ProbeSample[]; dataLoss?: boolean; workload?: WorkloadView } | undefined {
    if (!this.obs || !this.desired) return undefined;
    const workload = this.lastWorkload && now - this.lastWorkload.reportedAt <= WORKLOAD_FRESH_MS ? this.lastWorkload : undefined;
    return {
      ...(workload ? { workload } : {}),
      obs: this.obs,
      conditions: this.conditions,
      desired: this.desired,
      samples: this.samples,
      ...(this.dataLoss !== undefined ? { dataLoss: this.dataLoss } : {}),
    };
  }

  private changed(): void {
    this.cachedFacts = undefined;
    for (const fn of this.listeners) fn();
  }

  /** The facts of the last pass, or undefined before the first; computed once per change (a scrape reads them for every gauge). */
  facts(): { cluster: ClusterFacts; members: MemberFacts[] } | undefined {
    if (!this.obs || !this.desired) return undefined;
    this.cachedFacts ??= this.computeFacts(this.obs, this.desired);
    return this.cachedFacts;
  }

  private computeFacts(obs: Observation, desired: DesiredShape): { cluster: ClusterFacts; members: MemberFacts[] } {
    const cluster = clusterFacts(obs, this.conditions, desired);
    if (this.dataLoss !== undefined) cluster.conditions.DataLoss = this.dataLoss;
    return { cluster, members: memberFacts(obs, this.samples) };
  }
}

type GaugeOf<L extends string> = Gauge<L>;

export class RckMetrics {
  readonly registry = new Registry();
  private readonly clusters = new Map<string, ClusterRecorder>();
  readonly healActions: Counter<'namespace' | 'cluster' | 'action'>;
  readonly failovers: Counter<'namespace' | 'cluster'>;
  readonly dataLossEvents: Counter<'namespace' | 'cluster'>;
  readonly passDuration: Histogram<'namespace' | 'cluster'>;

  constructor() {
    const registers = [this.registry];
    this.healActions = new Counter({
      name: 'rck_heal_actions_total',
      help: 'Actions the controller (locally also the crash responder) took; action: the event reason (Promote, CrashFailover, JoinReplica..., "Failed" appended when it failed)',
      labelNames: [...CLUSTER_LABELS, 'action'],
      registers,
    });
    this.failovers = new Counter({
      name: 'rck_failovers_total',
      help: 'Replicas seen promoted to masters serving slots between two controller passes (by Redis, the crash responder or the controller)',
      labelNames: CLUSTER_LABELS,
      registers,
    });
    this.dataLossEvents = new Counter({
      name: 'rck_data_loss_events_total',
      help: 'DataLoss events recorded (writes or keys Redis lost, see rck events --warnings)',
      labelNames: CLUSTER_LABELS,
      registers,
    });
    this.passDuration = new Histogram({
      name: 'rck_controller_pass_duration_seconds',
      help: 'Duration of a full controller pass (observe, plan, act)',
      labelNames: CLUSTER_LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.defineGauges();
  }

  /** The recorder of one cluster (made on first use). */
  cluster(labels: ClusterLabels): ClusterRecorder {
    const key = `${labels.namespace}/${labels.cluster}`;
    let r = this.clusters.get(key);
    if (!r) {
      this.clusters.set(key, (r = new ClusterRecorder(labels, this)));
      // Counters start at 0, so rate() and alerts see the first increase.
      this.failovers.inc({ ...labels }, 0);
      this.dataLossEvents.inc({ ...labels }, 0);
    }
    return r;
  }

  /** Every cluster's recorder. */
  recorders(): ClusterRecorder[] {
    return [...this.clusters.values()];
  }

  /** The recorder of a cluster, if kept. */
  find(labels: ClusterLabels): ClusterRecorder | undefined {
    return this.clusters.get(`${labels.namespace}/${labels.cluster}`);
  }

  /** A cluster no longer kept (deleted): its series go. */
  remove(labels: ClusterLabels): void {
    const r = this.clusters.get(`${labels.namespace}/${labels.cluster}`);
    this.clusters.delete(`${labels.namespace}/${labels.cluster}`);
    for (const c of [this.failovers, this.dataLossEvents, this.passDuration]) c.remove({ ...labels });
    for (const action of r?.actionsSeen ?? []) this.healActions.remove({ ...labels, action });
  }

  /** The text a scrape gets. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private defineGauges(): void {
    const registers = [this.registry];
    const each = () =>
      [...this.clusters.values()].flatMap((r) => {
        const f = r.facts();
        return f ? [{ labels: r.labels, ...f }] : [];
      });
    const clusterGauge = (name: string, help: string, value: (c: ClusterFacts) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: CLUSTER_LABELS,
        registers,
        collect(this: GaugeOf<'namespace' | 'cluster'>) {
          this.reset();
          for (const c of each()) {
            const v = value(c.cluster);
            if (v !== undefined) this.set({ ...c.labels }, v);
          }
        },
      });
    const memberGauge = (name: string, help: string, value: (m: MemberFacts) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: MEMBER_LABELS,
        registers,
        collect(this: GaugeOf<'namespace' | 'cluster' | 'member'>) {
          this.reset();
          for (const c of each()) {
            for (const m of c.members) {
              const v = value(m);
              if (v !== undefined) this.set({ ...c.labels, member: m.member }, v);
            }
          }
        },
      });
    const bool = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);

    clusterGauge('rck_cluster_ready', 'Ready condition: every slot served, every member up, every master has its replicas (1) or not (0)', (c) => bool(c.conditions.Ready));
    clusterGauge('rck_cluster_degraded', 'Degraded condition (1: the cluster does not match its spec)', (c) => bool(c.conditions.Degraded));
    clusterGauge('rck_cluster_healing', 'Healing condition (1: the controller is acting or waiting)', (c) => bool(c.conditions.Healing));
    clusterGauge('rck_cluster_data_loss', 'DataLoss condition (1: unacknowledged data loss)', (c) => bool(c.conditions.DataLoss));
    clusterGauge('rck_cluster_slots_served', `Slots (of ${SLOT_COUNT}) whose master answers`, (c) => c.slotsServed);
    clusterGauge('rck_cluster_slots_open', 'Slots migrating or importing (a reshard or scale in progress, or left open)', (c) => c.slotsOpen);
    clusterGauge('rck_cluster_members', 'Members the platform runs or should run', (c) => c.members);
    clusterGauge('rck_cluster_members_up', 'Members whose Redis node answers', (c) => c.membersUp);
    clusterGauge('rck_cluster_masters', 'Masters serving slots', (c) => c.masters);
    clusterGauge('rck_cluster_desired_masters', 'Masters the spec asks for', (c) => c.desiredMasters);
    clusterGauge('rck_cluster_desired_replicas_per_master', 'Replicas per master the spec asks for', (c) => c.desiredReplicasPerMaster);
    clusterGauge('rck_cluster_observed_timestamp_seconds', 'When the last full controller pass observed the cluster (unix time)', (c) => c.observedAt / 1000);

    for (const [name, help, pick] of [
      ['rck_master_replicas', 'Replicas of a master (master: its member name)', (m: { replicas: number }) => m.replicas],
      ['rck_master_replicas_in_sync', 'Replicas of a master whose replication link is up', (m: { replicasInSync: number }) => m.replicasInSync],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: [...CLUSTER_LABELS, 'master'],
        registers,
        collect(this: GaugeOf<'namespace' | 'cluster' | 'master'>) {
          this.reset();
          for (const c of each()) for (const m of c.cluster.perMaster) this.set({ ...c.labels, master: m.master }, pick(m as never));
        },
      });
    }

    memberGauge('rck_member_up', 'Member whose Redis node answered the last pass (1) or not (0)', (m) => (m.up ? 1 : 0));
    new Gauge({
      name: 'rck_member_info',
      help: 'Always 1: a member and its role, master (replicas), address and failure domain',
      labelNames: [...MEMBER_LABELS, 'role', 'master', 'address', 'domain'],
      registers,
      collect(this: GaugeOf<'namespace' | 'cluster' | 'member' | 'role' | 'master' | 'address' | 'domain'>) {
        this.reset();
        for (const c of each()) for (const m of c.members) this.set({ ...c.labels, member: m.member, role: m.role, master: m.master, address: m.address, domain: m.domain }, 1);
      },
    });
    memberGauge('rck_member_is_master', 'Member that is a master (1), a replica (0); absent when it does not answer', (m) =>
      m.role === 'unknown' || !m.up ? undefined : m.role === 'master' ? 1 : 0,
    );
    memberGauge('rck_member_slots', 'Slots the member serves as master', (m) => (m.up ? m.slots : undefined));
    memberGauge('rck_member_keys', 'Keys (DBSIZE), from the idle probe when newer than the last pass', (m) => m.keys);
    memberGauge('rck_member_used_memory_bytes', 'used_memory (INFO memory)', (m) => m.usedMemoryBytes);
    memberGauge('rck_member_maxmemory_bytes', 'maxmemory (0: no limit)', (m) => m.maxMemoryBytes);
    memberGauge('rck_member_ops_per_second', 'instantaneous_ops_per_sec as of the last full pass', (m) => m.opsPerSec);
    memberGauge('rck_member_connected_clients', 'connected_clients', (m) => m.connectedClients);
    memberGauge('rck_member_replication_lag_bytes', 'Replicas: bytes of replication stream the master has and the replica has not acknowledged', (m) => m.replicationLagBytes);
    memberGauge('rck_member_master_link_up', 'Replicas: master_link_status up (1) or down (0)', (m) => (m.masterLinkUp === undefined ? undefined : m.masterLinkUp ? 1 : 0));
  }
}

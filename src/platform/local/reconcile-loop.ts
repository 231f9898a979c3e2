/**
 * What the supervisor offers a reconcile loop it runs (the controller is one), and what
 * such a loop implements: kept apart from the supervisor so loops import only this.
 */
import type { PassOutcome, ProbeOutcome } from '../../controller/runner.js';
import type { PassSnapshot } from '../../controller/metrics.js';
import type { EventSink } from '../../controller/events.js';
import type { ProbeSample } from '../../controller/probe.js';
import type { Observation } from '../../topology/observation.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { Platform } from '../platform.js';
import type { ConnectionProfile } from '../../redis/profile.js';

export interface ReconcileContext {
  platform: Platform;
  cluster: RedisCluster;
  profile: ConnectionProfile;
  signal: AbortSignal;
  report: (line: string) => void;
  /** The cluster's local state directory (events.jsonl lives there). */
  stateDir: string;
  /** The cluster's one event log (the platform's). */
  events: EventSink;
  /** What a full pass observed: the supervisor's health (status, `up`'s live lines) comes from it. */
  observed: (obs: Observation) => void;
  /** Key counts an idle probe saw (the crash responder sizes losses with them). */
  sampled: (samples: readonly ProbeSample[]) => void;
  /** A full pass with its conditions and duration, for the metrics (local-metrics.ts). */
  passed?: (p: PassSnapshot) => void;
}

/**
 * A level-triggered loop run inside the supervisor by a ReconcileRunner (the controller
 * is one): the outcome of a pass decides when the next runs, `probe` is its cheap look
 * while settled, and every platform event (a member exited, started...) wakes it.
 */
export interface ReconcileLoop {
  name: string;
  reconcile(ctx: ReconcileContext): Promise<PassOutcome>;
  /** `quiet`: see Reconciler.probe (controller/runner.ts). */
  probe?(ctx: ReconcileContext, quiet: boolean): Promise<ProbeOutcome>;
}

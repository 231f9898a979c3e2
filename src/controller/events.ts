/**
 * The one event schema, shaped like a Kubernetes Event: what happened (`reason`, one
 * CamelCase word), to which member, and why (`message`). The platform (member started,
 * exited...), the crash responder, the controller (what it did and why) and a person
 * (acknowledging a loss) all record this shape, locally into the state dir's events.jsonl
 * (event-log.ts) and on Kubernetes as Events on the RedisCluster (k8s-events.ts).
 */
export interface ClusterEvent {
  /** ISO time. */
  time: string;
  type: 'Normal' | 'Warning';
  /** One CamelCase word: Started, Exited, CrashFailover, Promote, JoinReplica, DataLoss... */
  reason: string;
  message: string;
  /** The member concerned, or the cluster's name. */
  member: string;
  /** How many times it happened (absent: once). */
  count?: number;
  /** Who recorded it. */
  source?: 'platform' | 'controller' | 'user';
  /** DataLoss events: how many keys were lost, when that is known. */
  keysLost?: number;
  /** DataLoss events for discarded writes: bytes of replication stream, when that is how the loss is known. */
  bytesLost?: number;
}

/** The reason of the Warning recorded whenever data may have been lost. */
export const DATA_LOSS = 'DataLoss';
/** The reason of the event that acknowledges every DataLoss event before it. */
export const DATA_LOSS_ACKNOWLEDGED = 'DataLossAcknowledged';

/** An action kind as an event reason: join-replica -> JoinReplica, with `Failed` when it failed. */
export function eventReason(kind: string, failed = false): string {
  return `${kind.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}${failed ? 'Failed' : ''}`;
}

export interface EventSink {
  record(e: ClusterEvent): Promise<void>;
}

/** Keeps the latest events in memory (tests, and as the status's recent history). */
export class MemoryEventSink implements EventSink {
  readonly events: ClusterEvent[] = [];
  constructor(private readonly limit = 200) {}
  async record(e: ClusterEvent): Promise<void> {
    this.events.push(e);
    if (this.events.length > this.limit) this.events.shift();
  }
}

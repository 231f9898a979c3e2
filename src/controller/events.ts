/** Events the controller records: what it did to which member, and why. */
export interface ControllerEvent {
  time: string;
  type: 'Normal' | 'Warning';
  /** Member concerned, or the cluster name. */
  member: string;
  action: string;
  reason: string;
  /** DataLoss events: how many keys were lost, when it is known. */
  keysLost?: number;
  /** DataLoss events for discarded writes: bytes of replication stream, when that is how the loss is known. */
  bytesLost?: number;
}

/** The action of the Warning event recorded whenever data may have been lost. */
export const DATA_LOSS = 'DataLoss';

export interface EventSink {
  record(e: ControllerEvent): Promise<void>;
}

/** Keeps the latest events in memory (tests, and as the status's recent history). */
export class MemoryEventSink implements EventSink {
  readonly events: ControllerEvent[] = [];
  constructor(private readonly limit = 200) {}
  async record(e: ControllerEvent): Promise<void> {
    this.events.push(e);
    if (this.events.length > this.limit) this.events.shift();
  }
}

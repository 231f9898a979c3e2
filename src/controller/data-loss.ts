/**
 * The DataLoss condition: True from the first DataLoss event until a person
 * acknowledges it (`rck events --ack-data-loss`), however healthy the cluster is
 * meanwhile. Ready says whether the cluster serves; this says whether it lost data. Pure.
 */
import type { Condition } from './conditions.js';
import { type ClusterEvent, DATA_LOSS, DATA_LOSS_ACKNOWLEDGED } from './events.js';

export { DATA_LOSS_ACKNOWLEDGED };

export function dataLossCondition(events: readonly ClusterEvent[]): Condition {
  const lastAck = events.reduce((t, e) => (e.reason === DATA_LOSS_ACKNOWLEDGED && e.time > t ? e.time : t), '');
  const open = events.filter((e) => e.reason === DATA_LOSS && e.time > lastAck);
  if (open.length === 0) {
    return {
      type: 'DataLoss',
      status: 'False',
      reason: lastAck ? 'Acknowledged' : 'NoLoss',
      message: lastAck ? 'earlier losses were acknowledged' : 'no data loss recorded',
      lastTransitionTime: lastAck || new Date(0).toISOString(),
    };
  }
  const keys = open.reduce((n, e) => n + (e.keysLost ?? 0), 0);
  const bytes = open.reduce((n, e) => n + (e.bytesLost ?? 0), 0);
  const uncounted = open.filter((e) => e.keysLost === undefined && e.bytesLost === undefined).length;
  const size = lossSize(keys, bytes, uncounted);
  return {
    type: 'DataLoss',
    status: 'True',
    reason: 'DataLoss',
    message: `${open.length} loss event(s) since ${open[0]!.time}: ${size}; last: ${open[open.length - 1]!.member}: ${open[open.length - 1]!.message}; see \`rck events --warnings\`, acknowledge with \`rck events --ack-data-loss\``,
    lastTransitionTime: open[0]!.time,
  };
}

/**
 * The running count of unacknowledged losses, kept in the RedisCluster's status
 * (status.dataLoss) so the condition outlives the operator and the Events (which the API
 * server expires after an hour).
 */
export interface DataLossTally {
  /** The first unacknowledged loss. */
  since: string;
  /** The latest loss: an acknowledgement at or after it clears the tally. */
  lastAt: string;
  events: number;
  keysLost: number;
  /** Bytes of writes Redis discarded (refused PSYNCs, see divergence.ts); absent in tallies older than the field. */
  bytesLost?: number;
  /** Losses whose size is unknown. */
  uncounted: number;
  /** The latest loss's member and reason. */
  last: string;
}

export function addLoss(t: DataLossTally | undefined, e: ClusterEvent): DataLossTally {
  return {
    since: t?.since ?? e.time,
    lastAt: e.time,
    events: (t?.events ?? 0) + 1,
    keysLost: (t?.keysLost ?? 0) + (e.keysLost ?? 0),
    bytesLost: (t?.bytesLost ?? 0) + (e.bytesLost ?? 0),
    uncounted: (t?.uncounted ?? 0) + (e.keysLost === undefined && e.bytesLost === undefined ? 1 : 0),
    last: `${e.member}: ${e.message}`,
  };
}

/** An acknowledgement (an ISO time) clears the tally when no loss came after it. */
export function acknowledged(t: DataLossTally | undefined, ackAt: string | undefined): boolean {
  return t !== undefined && ackAt !== undefined && !Number.isNaN(Date.parse(ackAt)) && Date.parse(ackAt) >= Date.parse(t.lastAt);
}

/** The DataLoss condition from the tally; `how` says how a person acknowledges. */
export function tallyCondition(t: DataLossTally | undefined, how: string, ackAt?: string): Condition {
  if (!t) {
    return {
      type: 'DataLoss',
      status: 'False',
      reason: ackAt ? 'Acknowledged' : 'NoLoss',
      message: ackAt ? 'earlier losses were acknowledged' : 'no data loss recorded',
      lastTransitionTime: ackAt ?? new Date(0).toISOString(),
    };
  }
  const size = lossSize(t.keysLost, t.bytesLost ?? 0, t.uncounted);
  return {
    type: 'DataLoss',
    status: 'True',
    reason: 'DataLoss',
    message: `${t.events} loss event(s) since ${t.since}: ${size}; last: ${t.last}; ${how}`,
    lastTransitionTime: t.since,
  };
}

/** `12 key(s) lost, 1143 bytes of writes discarded (and 1 loss(es) of unknown size)`. */
function lossSize(keys: number, bytes: number, uncounted: number): string {
  return `${keys} key(s) lost${bytes > 0 ? `, ${bytes} bytes of writes discarded` : ''}${uncounted > 0 ? ` (and ${uncounted} loss(es) of unknown size)` : ''}`;
}

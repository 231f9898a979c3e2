/**
 * The DataLoss condition: True from the first DataLoss event until a person
 * acknowledges it (`rck events --ack-data-loss`), however healthy the cluster is
 * meanwhile. Ready says whether the cluster serves; this says whether it lost data. Pure.
 */
import type { Condition } from './conditions.js';
import type { EventRow } from './event-log.js';
import { DATA_LOSS } from './events.js';

/** The action of the event that acknowledges every DataLoss event before it. */
export const DATA_LOSS_ACKNOWLEDGED = 'DataLossAcknowledged';

export function dataLossCondition(events: readonly EventRow[]): Condition {
  const lastAck = events.reduce((t, e) => (e.action === DATA_LOSS_ACKNOWLEDGED && e.time > t ? e.time : t), '');
  const open = events.filter((e) => e.action === DATA_LOSS && e.time > lastAck);
  if (open.length === 0) {
    return { type: 'DataLoss', status: 'False', reason: lastAck ? 'Acknowledged' : 'NoLoss', message: lastAck ? 'earlier losses were acknowledged' : 'no data loss recorded', lastTransitionTime: lastAck || new Date(0).toISOString() };
  }
  const counted = open.filter((e) => e.keysLost !== undefined);
  const keys = counted.reduce((n, e) => n + (e.keysLost ?? 0), 0);
  const uncounted = open.length - counted.length;
  const size = `${keys} key(s) lost${uncounted > 0 ? ` (and ${uncounted} loss(es) of unknown size)` : ''}`;
  return {
    type: 'DataLoss',
    status: 'True',
    reason: 'DataLoss',
    message: `${open.length} loss event(s) since ${open[0]!.time}: ${size}; last: ${open[open.length - 1]!.member}: ${open[open.length - 1]!.reason}; see \`rck events --warnings\`, acknowledge with \`rck events --ack-data-loss\``,
    lastTransitionTime: open[0]!.time,
  };
}

import { describe, expect, it } from 'vitest';
import { parseDataLossEvents } from '../../src/workload/chaos-data-loss.js';

const line = (o: object) => JSON.stringify(o);
const SINCE = Date.parse('2026-01-01T10:00:00Z');

describe('parseDataLossEvents', () => {
  it('keeps the 2 DataLoss Warnings recorded since the run began, with keysLost when it is a number', () => {
    const text = [
      line({ time: '2026-01-01T09:59:59Z', type: 'Warning', member: 'redis-app-0', action: 'DataLoss', reason: 'before the run', keysLost: 5 }),
      line({ time: '2026-01-01T10:00:01Z', type: 'Warning', member: 'redis-app-0', action: 'DataLoss', reason: 'key count collapsed', keysLost: 3334 }),
      line({ time: '2026-01-01T10:00:02Z', type: 'Normal', member: 'redis-app-1', action: 'DataLoss', reason: 'not a warning' }),
      line({ time: '2026-01-01T10:00:03Z', type: 'Warning', member: 'redis-app-2', action: 'forced-failover', reason: 'DataLoss in the reason only' }),
      line({ time: '2026-01-01T10:00:04Z', type: 'Warning', member: 'redis-app', action: 'DataLoss', reason: 'forced promotion', keysLost: '12' }),
      '{"time":"2026-01-01T10:00:05Z","type":"Warning","action":"DataLoss"', // cut short by a crash
      line({ time: '2026-01-01T10:00:06Z', type: 'Killed', member: 'redis-app-3', message: 'DataLoss? no: a platform event' }),
    ].join('\n');
    expect(parseDataLossEvents(text, SINCE)).toEqual([
      { at: SINCE + 1000, member: 'redis-app-0', reason: 'key count collapsed', keysLost: 3334 },
      { at: SINCE + 4000, member: 'redis-app', reason: 'forced promotion' },
    ]);
  });

  it('reads the one schema (reason/message) and the older one alike', () => {
    const text = [
      line({
        time: '2026-01-01T10:00:01Z',
        type: 'Warning',
        reason: 'DataLoss',
        message: 'writes discarded',
        member: 'redis-app-0',
        source: 'controller',
        bytesLost: 441,
      }),
      line({ time: '2026-01-01T10:00:02Z', type: 'Warning', reason: 'CrashFailover', message: 'DataLoss? no', member: 'redis-app-3', source: 'controller' }),
      line({ time: '2026-01-01T10:00:03Z', type: 'Warning', member: 'redis-app-1', action: 'DataLoss', reason: 'older line', keysLost: 7 }),
    ].join('\n');
    expect(parseDataLossEvents(text, SINCE)).toEqual([
      { at: SINCE + 1000, member: 'redis-app-0', reason: 'writes discarded', bytesLost: 441 },
      { at: SINCE + 3000, member: 'redis-app-1', reason: 'older line', keysLost: 7 },
    ]);
  });

  it('finds none in an empty log', () => {
    expect(parseDataLossEvents('', SINCE)).toEqual([]);
  });
});

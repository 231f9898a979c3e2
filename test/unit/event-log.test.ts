import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog, parseEventLine, readEvents } from '../../src/controller/event-log.js';
import { eventReason } from '../../src/controller/events.js';

describe('the one event schema', () => {
  it('action kinds become CamelCase reasons', () => {
    expect(eventReason('join-replica')).toBe('JoinReplica');
    expect(eventReason('promote-copy', true)).toBe('PromoteCopyFailed');
  });

  it('older lines read as the one schema: controller (action/reason) and platform (type/message)', () => {
    expect(parseEventLine(JSON.stringify({ source: 'controller', time: 't1', type: 'Warning', member: 'm-3', action: 'promote-copy', reason: 'why' }))).toEqual({
      time: 't1',
      type: 'Warning',
      reason: 'PromoteCopy',
      message: 'why',
      member: 'm-3',
      source: 'controller',
    });
    expect(parseEventLine(JSON.stringify({ time: 't2', type: 'Warning', member: 'm-1', action: 'CrashFailover-failed', reason: 'x' }))).toMatchObject({
      reason: 'CrashFailoverFailed',
    });
    expect(parseEventLine(JSON.stringify({ time: 't3', member: 'm-0', type: 'Exited', message: 'signal SIGKILL' }))).toEqual({
      time: 't3',
      type: 'Warning',
      reason: 'Exited',
      message: 'signal SIGKILL',
      member: 'm-0',
      source: 'platform',
    });
    expect(parseEventLine(JSON.stringify({ time: 't4', member: 'c', type: 'Normal', action: 'DataLossAcknowledged', reason: 'by me', source: 'user' }))).toMatchObject({
      reason: 'DataLossAcknowledged',
      source: 'user',
    });
    expect(parseEventLine('{"time":"t5","type":"Warn')).toBeUndefined();
  });

  it('one writer keeps the order of 200 concurrent records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rck-events-'));
    try {
      const log = new EventLog(join(dir, 'events.jsonl'));
      const time = new Date(0).toISOString();
      await Promise.all(Array.from({ length: 200 }, (_, i) => log.record({ time, type: 'Normal', reason: 'Started', message: String(i), member: 'm-0', source: 'platform' })));
      const rows = await readEvents(join(dir, 'events.jsonl'));
      expect(rows.map((r) => r.message)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

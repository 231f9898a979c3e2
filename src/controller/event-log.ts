/**
 * The event log of a local cluster: one JSON object a line in the state dir,
 * written by the platform (member started, killed, re-created...) and by the
 * controller (what it did and why). Read back as one list for `rck events`.
 */
import { appendFile, readFile } from 'node:fs/promises';
import type { ControllerEvent, EventSink } from './events.js';

export class FileEventSink implements EventSink {
  constructor(private readonly path: string) {}
  async record(e: ControllerEvent): Promise<void> {
    await appendFile(this.path, `${JSON.stringify({ source: 'controller', ...e })}\n`, { mode: 0o600 });
  }
}

export interface EventRow {
  time: string;
  type: 'Normal' | 'Warning';
  member: string;
  action: string;
  reason: string;
  keysLost?: number;
  bytesLost?: number;
}

/** Every event in the file, oldest first; platform events map their type to the action. */
export async function readEvents(path: string): Promise<EventRow[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const rows: EventRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Record<string, string>;
      if (e.action) {
        const size = {
          ...(typeof e.keysLost === 'number' ? { keysLost: e.keysLost } : {}),
          ...(typeof e.bytesLost === 'number' ? { bytesLost: e.bytesLost } : {}),
        };
        rows.push({ time: e.time!, type: e.type === 'Warning' ? 'Warning' : 'Normal', member: e.member!, action: e.action, reason: e.reason ?? '', ...size });
      }
      else rows.push({ time: e.time!, type: ['Killed', 'Exited', 'BackOff'].includes(e.type!) ? 'Warning' : 'Normal', member: e.member!, action: e.type!, reason: e.message ?? '' });
    } catch {
      /* a line cut short by a crash: skip it */
    }
  }
  return rows.sort((a, b) => a.time.localeCompare(b.time));
}

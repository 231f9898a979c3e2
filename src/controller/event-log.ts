/**
 * The event log of a local cluster: one ClusterEvent (events.ts) a line in the state dir.
 * One `EventLog` per process writes it (the supervisor shares its one between the platform,
 * the crash responder and the controller), appending in order. Read back as one list for
 * `rck events`, the DataLoss condition and the chaos verdict; lines written before the one
 * schema (`action`/`reason` from the controller, `type`/`message` from the platform) are
 * read as it.
 */
import { appendFile, readFile } from 'node:fs/promises';
import type { ClusterEvent, EventSink } from './events.js';

export class EventLog implements EventSink {
  private last: Promise<void> = Promise.resolve();
  constructor(private readonly path: string) {}

  /** Appends after every earlier record, so lines keep their order. */
  record(e: ClusterEvent): Promise<void> {
    const line = `${JSON.stringify(e)}\n`;
    this.last = this.last.catch(() => {}).then(() => appendFile(this.path, line, { mode: 0o600 }));
    return this.last;
  }
}

const PLATFORM_WARNINGS = new Set(['Killed', 'Exited', 'BackOff']);

/** One line of the file as a ClusterEvent, also from the schemas before it; undefined when unreadable. */
export function parseEventLine(line: string): ClusterEvent | undefined {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined; // a line cut short by a crash
  }
  const str = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
  const num = (k: string) => (typeof e[k] === 'number' && Number.isFinite(e[k]) ? { [k]: e[k] as number } : {});
  const time = str('time');
  if (!time) return undefined;
  const member = str('member') ?? '';
  const size = { ...num('keysLost'), ...num('bytesLost'), ...num('count') };
  // Before the one schema: the controller wrote `action` (kind) and `reason` (text)...
  if (str('action')) {
    const source = str('source') === 'user' ? 'user' : 'controller';
    return {
      time,
      type: str('type') === 'Warning' ? 'Warning' : 'Normal',
      reason: legacyReason(str('action')!),
      message: str('reason') ?? '',
      member,
      source,
      ...size,
    };
  }
  // ...and the platform its event type in `type` and the text in `message`.
  const type = str('type') ?? '';
  if (type !== 'Normal' && type !== 'Warning') {
    return { time, type: PLATFORM_WARNINGS.has(type) ? 'Warning' : 'Normal', reason: type, message: str('message') ?? '', member, source: 'platform' };
  }
  const source = str('source');
  return {
    time,
    type,
    reason: str('reason') ?? '',
    message: str('message') ?? '',
    member,
    ...(source === 'platform' || source === 'controller' || source === 'user' ? { source } : {}),
    ...size,
  };
}

function legacyReason(action: string): string {
  return action.replace(/-failed$/, 'Failed').replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Every event in the file, oldest first. */
export async function readEvents(path: string): Promise<ClusterEvent[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const rows: ClusterEvent[] = [];
  for (const line of text.split('\n')) {
    const e = line.trim() ? parseEventLine(line) : undefined;
    if (e) rows.push(e);
  }
  return rows.sort((a, b) => a.time.localeCompare(b.time));
}

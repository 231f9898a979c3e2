/**
 * The DataLoss events a chaos run weighs its losses against: Warning events with reason
 * DataLoss in the cluster's events.jsonl (read with the event log's own line reader, older
 * schemas included), with the keys they say were lost when the controller could count them
 * (`keysLost`), or the bytes of writes Redis discarded (`bytesLost`).
 */
import { readFile } from 'node:fs/promises';
import { parseEventLine } from '../controller/event-log.js';
import { DATA_LOSS } from '../controller/events.js';
import type { DataLossEvent } from './chaos-verdict.js';

/** DataLoss Warnings among event-log lines, recorded at or after `since` (epoch ms). */
export function parseDataLossEvents(text: string, since: number): DataLossEvent[] {
  const out: DataLossEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(DATA_LOSS)) continue;
    const e = parseEventLine(line);
    const at = e ? Date.parse(e.time) : Number.NaN;
    if (!e || e.reason !== DATA_LOSS || e.type !== 'Warning' || !(at >= since)) continue;
    out.push({
      at,
      member: e.member,
      reason: e.message,
      ...(e.keysLost !== undefined && e.keysLost >= 0 ? { keysLost: e.keysLost } : {}),
      ...(e.bytesLost !== undefined && e.bytesLost > 0 ? { bytesLost: e.bytesLost } : {}),
    });
  }
  return out;
}

export async function readDataLossEvents(eventsFile: string, since: number): Promise<DataLossEvent[]> {
  return parseDataLossEvents(await readFile(eventsFile, 'utf8').catch(() => ''), since);
}

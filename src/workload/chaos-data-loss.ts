/**
 * The DataLoss events a chaos run weighs its losses against: Warning events with
 * `"action":"DataLoss"` in the cluster's events.jsonl, with the keys they say were
 * lost when the controller could count them (`keysLost`), or the bytes of writes Redis
 * discarded (`bytesLost`). Read from the raw lines,
 * so a field the event log reader does not know yet still counts.
 */
import { readFile } from 'node:fs/promises';
import type { DataLossEvent } from './chaos-verdict.js';

/** DataLoss Warnings among event-log lines, recorded at or after `since` (epoch ms). */
export function parseDataLossEvents(text: string, since: number): DataLossEvent[] {
  const out: DataLossEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('DataLoss')) continue;
    let e: { time?: unknown; type?: unknown; action?: unknown; member?: unknown; reason?: unknown; keysLost?: unknown; bytesLost?: unknown };
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a line cut short by a crash
    }
    const at = typeof e.time === 'string' ? Date.parse(e.time) : Number.NaN;
    if (e.action !== 'DataLoss' || e.type !== 'Warning' || !(at >= since)) continue;
    out.push({
      at,
      member: typeof e.member === 'string' ? e.member : '',
      reason: typeof e.reason === 'string' ? e.reason : '',
      ...(typeof e.keysLost === 'number' && Number.isFinite(e.keysLost) && e.keysLost >= 0 ? { keysLost: e.keysLost } : {}),
      ...(typeof e.bytesLost === 'number' && Number.isFinite(e.bytesLost) && e.bytesLost > 0 ? { bytesLost: e.bytesLost } : {}),
    });
  }
  return out;
}

export async function readDataLossEvents(eventsFile: string, since: number): Promise<DataLossEvent[]> {
  return parseDataLossEvents(await readFile(eventsFile, 'utf8').catch(() => ''), since);
}

/** Hash slots: 16384 of them, handled as sorted inclusive ranges. */
export const SLOT_COUNT = 16384;

export interface SlotRange {
  start: number;
  end: number;
}

export function countSlots(ranges: readonly SlotRange[]): number {
  return ranges.reduce((n, r) => n + (r.end - r.start + 1), 0);
}

/** Sorted, merged ranges covering exactly the given slots. */
export function rangesFromSlots(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const out: SlotRange[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === s - 1) last.end = s;
    else out.push({ start: s, end: s });
  }
  return out;
}

export function slotsFromRanges(ranges: readonly SlotRange[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let s = r.start; s <= r.end; s++) out.push(s);
  return out;
}

/** `0-5460,5462` style text, as people read slot sets. */
export function formatRanges(ranges: readonly SlotRange[]): string {
  if (ranges.length === 0) return '-';
  return ranges.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(',');
}

/**
 * Splits 0..16383 into `parts` contiguous ranges with redis-cli's rounding, so
 * 3 parts give the familiar 0-5460 / 5461-10922 / 10923-16383.
 */
export function splitSlots(parts: number): SlotRange[] {
  const out: SlotRange[] = [];
  const perPart = SLOT_COUNT / parts;
  let cursor = 0;
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const end = i === parts - 1 ? SLOT_COUNT - 1 : Math.min(SLOT_COUNT - 1, Math.round(cursor + perPart - 1));
    out.push({ start, end });
    start = end + 1;
    cursor += perPart;
  }
  return out;
}

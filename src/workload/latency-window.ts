/**
 * The workload's recent rate and latency: every command's round trip (success or error) in
 * the last second, reduced to ops/s, errors/s and the median and 99th percentile. The live
 * web view shows it while `rck bench consistency` or `rck bench chaos` runs.
 */

/** What a workload reports about its last second. */
export interface WorkloadRate {
  opsPerSec: number;
  errorsPerSec: number;
  /** Round trips of the commands that completed in the window (0 when none did). */
  p50Ms: number;
  p99Ms: number;
}

const WINDOW_MS = 1000;

export class LatencyWindow {
  private readonly done: { at: number; ms: number; ok: boolean }[] = [];
  /** Entries before this index are out of the window. */
  private first = 0;

  /** A command that completed (or failed) at `at`, `ms` after it was sent. */
  record(ms: number, ok: boolean, at = Date.now()): void {
    this.done.push({ at, ms, ok });
    this.prune(at);
  }

  rate(now = Date.now()): WorkloadRate {
    this.prune(now);
    const live = this.done.slice(this.first);
    const ms = live.map((d) => d.ms).sort((a, b) => a - b);
    const pick = (q: number) => (ms.length === 0 ? 0 : ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!);
    return {
      opsPerSec: live.length,
      errorsPerSec: live.filter((d) => !d.ok).length,
      p50Ms: Math.round(pick(0.5) * 100) / 100,
      p99Ms: Math.round(pick(0.99) * 100) / 100,
    };
  }

  private prune(now: number): void {
    while (this.first < this.done.length && this.done[this.first]!.at <= now - WINDOW_MS) this.first++;
    // Compacted now and then, not on every command (thousands a second).
    if (this.first > 1024 || this.first === this.done.length) {
      this.done.splice(0, this.first);
      this.first = 0;
    }
  }
}

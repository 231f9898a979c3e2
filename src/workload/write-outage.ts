/**
 * Write outages as a client lives them, per key: from the moment a write to the key was
 * first sent without being acknowledged to the moment one is acknowledged. Pure.
 *
 * Counted from the send, not from the error: a write to a frozen or unreachable master
 * fails only when its command timeout expires, and a write the client retried by
 * itself (a MOVED after a failover, a reconnect) may succeed late without any error at
 * all; both are outage a user waits through. An ordinary write adds its latency.
 */
export class WriteOutages {
  /** key -> when its first write not yet acknowledged was sent. */
  private readonly pendingSince = new Map<number, number>();
  /** Longest span from a first unacknowledged send to the next acknowledgement. */
  longestMs = 0;

  /** A write to `key` is sent at `at` (an earlier unacknowledged one keeps its start). */
  sent(key: number, at: number): void {
    if (!this.pendingSince.has(key)) this.pendingSince.set(key, at);
  }

  /** A write to `key` was acknowledged at `at`: its outage, if any, ends. */
  acked(key: number, at: number): void {
    const since = this.pendingSince.get(key);
    if (since === undefined) return;
    this.longestMs = Math.max(this.longestMs, at - since);
    this.pendingSince.delete(key);
  }

  /** How long the oldest unacknowledged write has waited at `now` (0 when none). */
  currentMs(now: number): number {
    let oldest = Infinity;
    for (const t of this.pendingSince.values()) oldest = Math.min(oldest, t);
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }
}

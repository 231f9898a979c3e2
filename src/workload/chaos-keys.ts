/**
 * The preloaded key set of a chaos run: keys written once before the first fault,
 * replicated (WAIT) before the run starts, then read back after every fault and
 * compared value for value. Names and values carry a per-run token, so keys left
 * by an earlier run can never pass for this run's.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';

export interface KeyCheck {
  /** Keys missing or holding another value, so far (cumulative over checks). */
  lost: number;
  /** Keys first found lost by this check. */
  newlyLost: number;
  /** Keys whose read failed, even after retries. */
  unreadable: number;
}

const BATCH = 1000;
const VALUE_SIZE = 64;
/** How long a batch's failed reads are retried before they count as unreadable. */
const READ_RETRY_MS = 10_000;

export class PreloadedKeys {
  private readonly token = randomBytes(4).toString('hex');
  private readonly lost = new Set<number>();
  /** Every key is `<prefix>:<i>`. */
  readonly prefix: string;

  constructor(
    readonly count: number,
    seed: number,
  ) {
    this.prefix = `rck:chaos:${seed}:${this.token}`;
  }

  key(i: number): string {
    return `${this.prefix}:${i}`;
  }

  value(i: number): string {
    return `${this.token}:${i}:`.padEnd(VALUE_SIZE, 'x');
  }

  /**
   * Writes every key, then waits until each master's replicas acknowledged them
   * (WAIT): the run must start with every key on every copy. Returns how many masters
   * did not confirm within `waitMs` (their keys may not be on the replicas yet).
   */
  async load(client: Cluster, replicasPerMaster: number, waitMs = 10_000): Promise<number> {
    for (let start = 0; start < this.count; start += BATCH) {
      const ids = this.ids(start);
      await Promise.all(ids.map((i) => client.set(this.key(i), this.value(i))));
    }
    if (replicasPerMaster === 0) return 0;
    const acks = await Promise.all(client.nodes('master').map((n) => (n.call('WAIT', replicasPerMaster, waitMs) as Promise<number>).catch(() => -1)));
    return acks.filter((n) => n < replicasPerMaster).length;
  }

  /** Reads every key back; a failed read is retried for up to 10 s before it counts as unreadable. */
  async check(client: Cluster): Promise<KeyCheck> {
    let unreadable = 0;
    let newlyLost = 0;
    for (let start = 0; start < this.count; start += BATCH) {
      let pending = this.ids(start);
      // Retried for a while, not a fixed number of times: right after a fault a slot's
      // owner may still be loading or the client's slot map stale, and that is not a loss.
      const until = Date.now() + READ_RETRY_MS;
      for (let attempt = 0; pending.length > 0 && (attempt === 0 || Date.now() < until); attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)));
        const results = await Promise.all(
          pending.map((i) =>
            client.get(this.key(i)).then(
              (v) => ({ i, v }),
              () => ({ i, v: undefined }),
            ),
          ),
        );
        pending = [];
        for (const { i, v } of results) {
          if (v === undefined) pending.push(i);
          else if (v !== this.value(i) && !this.lost.has(i)) {
            this.lost.add(i);
            newlyLost++;
          }
        }
      }
      unreadable += pending.length;
    }
    return { lost: this.lost.size, newlyLost, unreadable };
  }

  /** Deletes the key set (best effort); returns how many keys were deleted. */
  async remove(client: Cluster): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < this.count; start += BATCH) {
      const n = await Promise.all(this.ids(start).map((i) => client.del(this.key(i)).catch(() => 0)));
      deleted += n.reduce((a, b) => a + b, 0);
    }
    return deleted;
  }

  private ids(start: number): number[] {
    return Array.from({ length: Math.min(BATCH, this.count - start) }, (_, j) => start + j);
  }
}

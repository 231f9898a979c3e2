/**
 * A continuous cluster-aware writer for "no acknowledged write is lost" tests:
 * one SET at a time over a small key space, remembering per key the last value
 * Redis acknowledged and any later value whose write failed (it may or may not
 * have landed). A stand-in for `rck bench consistency`, built on another branch.
 */
import { Cluster } from 'ioredis';

export interface WriterResult {
  writes: number;
  errors: number;
  /** Keys whose stored value is neither the last acknowledged one nor a later unacknowledged one. */
  lost: string[];
}

export function startAckedWriter(nodes: { host: string; port: number }[], keyCount = 200): { stop: () => Promise<WriterResult> } {
  const c = new Cluster(nodes, { clusterRetryStrategy: () => 100, redisOptions: { maxRetriesPerRequest: 5 } });
  c.on('error', () => {});
  const acked = new Map<string, number>();
  const maybe = new Map<string, Set<number>>();
  let writes = 0;
  let errors = 0;
  let running = true;
  const loop = (async () => {
    for (let n = 1; running; n++) {
      const key = `w:${n % keyCount}`;
      try {
        await c.set(key, String(n));
        acked.set(key, n);
        maybe.delete(key);
        writes++;
      } catch {
        errors++;
        if (!maybe.has(key)) maybe.set(key, new Set());
        maybe.get(key)!.add(n);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const lost: string[] = [];
      for (const [key, n] of acked) {
        const v = Number(await c.get(key));
        if (v !== n && !maybe.get(key)?.has(v)) lost.push(`${key}: acked ${n}, found ${v}`);
      }
      c.disconnect();
      return { writes, errors, lost };
    },
  };
}

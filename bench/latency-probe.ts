/**
 * A live client during a slot move: one cluster-aware client doing GET/SET on
 * existing keys, one request at a time, recording each latency (redirections
 * included). Reports p50/p99/max and errors.
 */
import { Cluster } from 'ioredis';
import { benchKey, benchValue } from '../test/support/load-keys.js';

export interface LatencyReport {
  ops: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function startLatencyProbe(nodes: { host: string; port: number }[], keyCount: number): { stop: () => Promise<LatencyReport> } {
  const c = new Cluster(nodes, { clusterRetryStrategy: () => 100, redisOptions: { maxRetriesPerRequest: 3 } });
  c.on('error', () => {});
  const samples: number[] = [];
  let errors = 0;
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      const i = Math.floor(Math.random() * keyCount);
      const t = process.hrtime.bigint();
      try {
        if (n % 2 === 0) await c.get(benchKey(i));
        else await c.set(benchKey(i), benchValue(i));
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      } catch {
        errors++;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      c.disconnect();
      const sorted = samples.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      return { ops: sorted.length, errors, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted[sorted.length - 1] ?? 0 };
    },
  };
}

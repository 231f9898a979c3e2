/**
 * Fills a cluster fast: keys grouped by the master that owns their slot and
 * written with large pipelines straight to that master (no redirections).
 */
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';

export function benchKey(i: number): string {
  return `key:${i}`;
}

/** A deterministic value of `size` bytes for key i. */
export function benchValue(i: number, size = 64): string {
  return `v${i}:`.padEnd(size, 'x');
}

export async function loadKeys(seed: { host: string; port: number }, count: number, opts: { valueSize?: number; password?: string; pipeline?: number } = {}): Promise<void> {
  const probe = new Redis({ host: seed.host, port: seed.port, password: opts.password, lazyConnect: true });
  await probe.connect();
  const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
  probe.disconnect();
  const owner: string[] = new Array(16384);
  for (const [start, end, [host, port]] of ranges) for (let s = start; s <= end; s++) owner[s] = `${host}:${port}`;
  const clients = new Map<string, Redis>();
  const queues = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const addr = owner[calculateSlot(benchKey(i))]!;
    if (!queues.has(addr)) queues.set(addr, []);
    queues.get(addr)!.push(i);
  }
  try {
    await Promise.all(
      [...queues].map(async ([addr, ids]) => {
        const [host, port] = addr.split(':') as [string, string];
        const c = new Redis({ host, port: Number(port), password: opts.password, lazyConnect: true });
        clients.set(addr, c);
        await c.connect();
        const size = opts.pipeline ?? 5000;
        for (let i = 0; i < ids.length; i += size) {
          const p = c.pipeline();
          for (const id of ids.slice(i, i + size)) p.set(benchKey(id), benchValue(id, opts.valueSize));
          const res = (await p.exec()) ?? [];
          const err = res.find(([e]) => e);
          if (err) throw err[0];
        }
      }),
    );
  } finally {
    for (const c of clients.values()) c.disconnect();
  }
}

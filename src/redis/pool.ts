import type { Redis } from 'ioredis';
import { type NodeAddress, formatAddress } from './address.js';
import { type ConnectOptions, connectNode } from './connection.js';

/**
 * One connection per node address, opened on first use: for one operation, or
 * kept across the controller's passes. Failed connects are not cached and closed
 * connections are replaced, so a retry dials again.
 */
export class NodePool {
  private readonly clients = new Map<string, Promise<Redis>>();

  constructor(readonly options: ConnectOptions = {}) {}

  /** The node's connection; one that has closed since (the node restarted) is dialled again. */
  async get(addr: NodeAddress): Promise<Redis> {
    const key = formatAddress(addr);
    const cached = this.clients.get(key);
    if (cached) {
      const c = await cached.catch(() => undefined);
      if (c && c.status !== 'end' && c.status !== 'close') return c;
      if (this.clients.get(key) === cached) this.clients.delete(key);
    }
    let p = this.clients.get(key);
    if (!p) {
      p = connectNode(addr, this.options);
      this.clients.set(key, p);
      p.catch(() => this.clients.delete(key));
    }
    return p;
  }

  /** Drops a connection (e.g. after the node restarted) so the next get() dials again. */
  forget(addr: NodeAddress): void {
    const key = formatAddress(addr);
    const p = this.clients.get(key);
    this.clients.delete(key);
    p?.then((c) => c.disconnect()).catch(() => {});
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((p) => p.then((c) => c.disconnect()).catch(() => {})));
  }
}

/** Runs `fn` with a fresh pool that is always closed afterwards. */
export async function withPool<T>(options: ConnectOptions, fn: (pool: NodePool) => Promise<T>): Promise<T> {
  const pool = new NodePool(options);
  try {
    return await fn(pool);
  } finally {
    await pool.close();
  }
}

/**
 * Key-by-key verification after slot moves: every expected key is on exactly
 * one master, that master owns the key's slot, and the value is the expected one.
 */
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';

export interface KeyReport {
  total: number;
  missing: string[];
  duplicated: string[];
  wrongValue: string[];
  wrongOwner: string[];
  unexpected: string[];
}

/** `expected`: key -> value. Reads every master among `nodes` (KEYS *: test data sets are small). */
export async function verifyKeys(nodes: readonly { host: string; port: number }[], expected: ReadonlyMap<string, string>): Promise<KeyReport> {
  const clients = nodes.map((n) => {
    const c = new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    c.on('error', () => {});
    return c;
  });
  try {
    await Promise.all(clients.map((c) => c.connect().catch(() => {})));
    const seen = new Map<string, number>();
    const report: KeyReport = { total: 0, missing: [], duplicated: [], wrongValue: [], wrongOwner: [], unexpected: [] };
    for (const c of clients) {
      if (c.status !== 'ready') continue;
      const role = ((await c.call('ROLE')) as unknown[])[0];
      if (role !== 'master') continue;
      const myId = (await c.call('CLUSTER', 'MYID')) as string;
      const owned = new Set<number>();
      for (const [start, end, [, , id]] of (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][]) {
        if (id === myId) for (let s = start; s <= end; s++) owned.add(s);
      }
      const keys = (await c.keys('*')) as string[];
      const p = c.pipeline();
      for (const k of keys) p.call('ASKING').get(k);
      const res = (await p.exec()) ?? [];
      keys.forEach((k, i) => {
        report.total++;
        seen.set(k, (seen.get(k) ?? 0) + 1);
        const want = expected.get(k);
        if (want === undefined) report.unexpected.push(k);
        else if (res[i * 2 + 1]?.[1] !== want) report.wrongValue.push(k);
        if (!owned.has(calculateSlot(k))) report.wrongOwner.push(k);
      });
    }
    for (const k of expected.keys()) if (!seen.has(k)) report.missing.push(k);
    for (const [k, n] of seen) if (n > 1) report.duplicated.push(k);
    return report;
  } finally {
    clients.forEach((c) => c.disconnect());
  }
}

/** A report with nothing wrong, for `expect(...).toEqual(clean(n))`. */
export function cleanReport(total: number): KeyReport {
  return { total, missing: [], duplicated: [], wrongValue: [], wrongOwner: [], unexpected: [] };
}

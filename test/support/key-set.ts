/**
 * A preloaded key set read back through a cluster client: how many keys still hold
 * exactly the value written. For data-safety tests, which must count every lost key.
 */
import type { Cluster } from 'ioredis';
import { benchKey, benchValue, loadKeys } from './load-keys.js';

export { loadKeys };

/** Keys 0..count-1 whose value is missing or wrong, read in pipelines of 1000. */
export async function lostKeys(client: Cluster, count: number): Promise<string[]> {
  const lost: string[] = [];
  for (let start = 0; start < count; start += 1000) {
    const ids = Array.from({ length: Math.min(1000, count - start) }, (_, i) => start + i);
    const values = await Promise.all(ids.map((i) => client.get(benchKey(i)).catch(() => null)));
    ids.forEach((id, i) => {
      if (values[i] !== benchValue(id)) lost.push(benchKey(id));
    });
  }
  return lost;
}

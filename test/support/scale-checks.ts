/** Shared checks for the scaling e2e tests: keys loaded and verified one by one, and the shape. */
import { expect } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import type { LocalClusterHarness, StatusJson } from './local-cluster.js';
import { passwordProfile } from '../../src/redis/profile.js';

export async function writeKeys(h: LocalClusterHarness, s: StatusJson, count: number, prefix: string): Promise<Map<string, string>> {
  const client = await h.client(s);
  const expected = new Map<string, string>();
  try {
    for (let i = 0; i < count; i += 100) {
      const writes: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(count, i + 100); j++) {
        const k = `${prefix}:${j}`;
        expected.set(k, `v${j}-${k}`);
        writes.push(client.set(k, `v${j}-${k}`));
      }
      await Promise.all(writes);
    }
  } finally {
    client.disconnect();
  }
  return expected;
}

/** Every key read back through a cluster client (which follows MOVED): the list of keys missing or different. */
export async function missingKeys(h: LocalClusterHarness, s: StatusJson, expected: Map<string, string>): Promise<string[]> {
  const client = await h.client(s);
  const missing: string[] = [];
  try {
    for (const [k, v] of expected) if ((await client.get(k)) !== v) missing.push(k);
  } finally {
    client.disconnect();
  }
  return missing;
}

/** The cluster has `masters` masters with slots, each with `replicas` linked replicas, and no other member. */
export function expectShape(s: StatusJson, masters: number, replicas: number): void {
  const ms = s.members.filter((m) => m.role === 'master');
  expect(s.members).toHaveLength(masters * (1 + replicas));
  expect(ms).toHaveLength(masters);
  for (const m of ms) {
    expect(s.members.filter((r) => r.role === 'replica' && r.master === m.name && r.linkUp)).toHaveLength(replicas);
  }
}

export async function consistencyWorkload(h: LocalClusterHarness, s: StatusJson) {
  return startConsistencyWorkload({ nodes: s.members.map((m) => parseAddress(m.address)), profile: passwordProfile(await h.password()), keys: 200, workers: 4 });
}

/**
 * The consistency workload is an instrument: prove it sees what it claims to measure.
 * On a real 3-master cluster, a writer behind its back lowers a counter (a lost
 * acknowledged write) and raises another (a write applied without acknowledgement).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster } from '../../src/ops/create.js';
import { type ConsistencyReport, startConsistencyWorkload } from '../../src/workload/consistency.js';
import { TestNodes } from '../support/redis-nodes.js';
import type { Cluster } from 'ioredis';
import { clusterClient } from '../../src/workload/consistency.js';

describe('consistency workload', () => {
  let nodes: TestNodes;
  let other: Cluster;
  beforeAll(async () => {
    nodes = await TestNodes.start(3);
    await createCluster({ nodes: nodes.nodes.map((n) => ({ address: { host: n.host, port: n.port } })), replicasPerMaster: 0 });
    other = clusterClient(nodes.nodes.map((n) => ({ host: n.host, port: n.port })));
  });
  afterAll(async () => {
    other?.disconnect();
    await nodes?.stop();
  });

  it('counts ops, and reports lost and unacknowledged writes made behind its back', async () => {
    const prefix = 'cons-test';
    const w = startConsistencyWorkload({ nodes: nodes.nodes.map((n) => ({ host: n.host, port: n.port })), keys: 4, workers: 2, prefix });
    let report: ConsistencyReport | undefined;
    try {
      // Let every counter get a few acknowledged increments.
      const deadline = Date.now() + 10_000;
      while (w.snapshot().writes < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(w.snapshot().writes).toBeGreaterThanOrEqual(200);
      // Key 0 is owned by worker 0, key 1 by worker 1 (i mod workers).
      await other.decrby(`${prefix}:0`, 5); // 5 acknowledged increments vanish
      await other.incrby(`${prefix}:1`, 3); // 3 increments nobody acknowledged appear
      await new Promise((r) => setTimeout(r, 300));
      report = await w.stop();
    } finally {
      if (!report) await w.stop().catch(() => undefined);
    }
    expect(report.lostWrites).toBe(5);
    expect(report.unackedWrites).toBe(3);
    expect(report.writeErrors).toBe(0);
    expect(report.keysChecked).toBe(4);
    expect(report.opsPerSec).toBeGreaterThan(0);
    // No outage figure is asserted: it counts from each write's send, so on a healthy
    // cluster it is the slowest write's latency, a timing (bench/ measures those).
  });
});

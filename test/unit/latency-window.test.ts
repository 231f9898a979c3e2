/** workload/latency-window.ts: the last second's ops/s, errors/s and latency percentiles. */
import { describe, expect, it } from 'vitest';
import { LatencyWindow } from '../../src/workload/latency-window.js';

describe('LatencyWindow', () => {
  it('100 commands of 1..100 ms in the last second: 100 ops/s, p50 50 ms, p99 99 ms, errors counted', () => {
    const w = new LatencyWindow();
    for (let i = 1; i <= 100; i++) w.record(i, i % 10 !== 0, 10_000 + i);
    expect(w.rate(10_500)).toEqual({ opsPerSec: 100, errorsPerSec: 10, p50Ms: 50, p99Ms: 99 });
  });

  it('commands older than a second drop out; an empty window is all zeros', () => {
    const w = new LatencyWindow();
    w.record(5, true, 1_000);
    w.record(7, true, 1_900);
    expect(w.rate(2_000).opsPerSec).toBe(1);
    expect(w.rate(2_900)).toEqual({ opsPerSec: 0, errorsPerSec: 0, p50Ms: 0, p99Ms: 0 });
  });
});

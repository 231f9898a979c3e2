/**
 * A workload run against the local cluster tells its supervisor, once a second, its last
 * second's ops/s and latency, so the live web view can show them. Best effort: a
 * supervisor that is busy, restarting or gone only misses a sample.
 */
import { callControl } from '../platform/local/control.js';
import type { WorkloadRate } from './latency-window.js';

const EVERY_MS = 1000;

/** Starts reporting; returns the stop. */
export function reportRateTo(controlSocket: string, name: string, rate: () => WorkloadRate): () => void {
  const timer = setInterval(() => {
    void callControl(controlSocket, { op: 'workload', rate: { name, ...rate() } }, 500).catch(() => {});
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

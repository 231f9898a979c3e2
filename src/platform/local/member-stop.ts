/**
 * Stopping a member process: SIGTERM (repeated), SIGKILL after the grace period, as a
 * kubelet does with terminationGracePeriodSeconds.
 */
import type { MemberProcess } from './member-process.js';
import { pidAlive, signalPid } from './process-alive.js';

/** How long a member may take to exit after SIGTERM before it is killed. */
export const STOP_GRACE_MS = 15_000;

/**
 * Redis 7.0 refuses a SIGTERM while it writes its first AOF after a full sync
 * ("Writing initial AOF, can't exit") and does not try again by itself: seen
 * when a drained master turned replica is stopped a moment after its resync.
 * So the signal is repeated until the process exits or the grace period ends.
 */
const STOP_RETRY_MS = 500;

/** Signals a process we watch (SIGTERM repeated, SIGKILL after the grace period) and waits for its exit. */
export async function stopProcess(proc: MemberProcess, signal: NodeJS.Signals): Promise<void> {
  proc.signal(signal);
  const again = signal === 'SIGTERM' ? setInterval(() => proc.signal('SIGTERM'), STOP_RETRY_MS) : undefined;
  const timer = setTimeout(() => proc.signal('SIGKILL'), STOP_GRACE_MS);
  await proc.exited;
  clearInterval(again);
  clearTimeout(timer);
}

/** The same for a bare pid (a leftover of an earlier supervisor), polled. */
export async function stopPid(pid: number): Promise<void> {
  signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  for (let i = 1; pidAlive(pid) && Date.now() < deadline; i++) {
    await new Promise((r) => setTimeout(r, 20));
    if (i % (STOP_RETRY_MS / 20) === 0) signalPid(pid, 'SIGTERM');
  }
  if (pidAlive(pid)) signalPid(pid, 'SIGKILL');
}

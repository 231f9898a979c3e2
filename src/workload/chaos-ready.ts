/**
 * "Ready again" for a chaos run: the same view `rck status` gives (readLocalStatus),
 * held for a second so a Ready read a moment before the cluster noticed the fault
 * does not count, and only once the fault shows (a new pid, a new supervisor).
 */
import { type LocalStatus, readLocalStatus } from '../platform/local/local-status.js';
import type { LocalTarget } from '../platform/local/resolve.js';
import { memberCount } from '../spec/members.js';
import type { ConnectionProfile } from '../redis/profile.js';

/** How long Ready must hold before it counts; the time reported is when the hold began. */
export const READY_HOLD_MS = 1000;
const POLL_MS = 200;

export interface ReadyResult {
  /** Epoch ms Ready was first seen (and then held); null when the deadline passed or the wait was aborted. */
  readyAt: number | null;
  /** The last status read (undefined when none could be read). */
  status?: LocalStatus;
  /** Why it was not Ready at the last poll, when it was not. */
  why: string;
}

/** Ready=True, healthy, every member of the spec up, and a supervisor running. */
export function notReadyBecause(t: LocalTarget, s: LocalStatus): string | undefined {
  if (!s.supervisor) return 'no supervisor is running';
  const ready = s.conditions.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return `Ready is ${ready?.status ?? 'unknown'}: ${ready?.reason}: ${ready?.message}`;
  const wanted = memberCount(t.cluster.spec);
  const up = s.members.filter((m) => m.up).length;
  if (s.members.length !== wanted || up !== wanted) return `${up} of ${wanted} members up`;
  if (!s.health.healthy) return `health: ${s.health.problems.slice(0, 3).join('; ')}`;
  return undefined;
}

export async function waitReady(
  t: LocalTarget,
  profile: ConnectionProfile,
  opts: { deadline: number; signal: AbortSignal; observed?: (s: LocalStatus) => boolean },
): Promise<ReadyResult> {
  let since: number | undefined;
  let last: LocalStatus | undefined;
  let why = 'not polled yet';
  while (!opts.signal.aborted) {
    const polledAt = Date.now();
    const s = await readLocalStatus(t, profile).catch((err: Error) => {
      why = `status unreadable: ${err.message}`;
      return undefined;
    });
    if (s) {
      last = s;
      const problem = notReadyBecause(t, s) ?? (opts.observed && !opts.observed(s) ? 'the fault does not show yet' : undefined);
      if (problem === undefined) {
        since ??= polledAt;
        if (Date.now() - since >= READY_HOLD_MS) return { readyAt: since, status: s, why: '' };
      } else {
        since = undefined;
        why = problem;
      }
    } else {
      since = undefined;
    }
    if (Date.now() >= opts.deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { readyAt: null, status: last, why: opts.signal.aborted ? 'interrupted' : why };
}

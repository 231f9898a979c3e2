/** Polls fast with an overall deadline: the engine never sleeps a fixed second. */
export interface PollOptions {
  deadline: number;
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value that is not undefined, or the deadline
 * passes (then returns undefined). Errors from the probe are retried too.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, opts: PollOptions): Promise<T | undefined> {
  const interval = opts.intervalMs ?? 20;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      /* transient: a node restarting, a handshake in progress */
    }
    if (Date.now() + interval > opts.deadline) return undefined;
    await sleep(interval);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

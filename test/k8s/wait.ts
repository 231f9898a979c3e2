/** Polls until check() returns a value other than undefined; the timeout only guards against hangs. */
import { sleep } from './process.js';

export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000, detail?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = ` (last error: ${(e as Error).message})`;
    }
    if (Date.now() > deadline) {
      const more = detail ? `\n${await detail().catch((e: Error) => e.message)}` : '';
      throw new Error(`timed out waiting for ${what}${lastError}${more}`);
    }
    await sleep(250);
  }
}

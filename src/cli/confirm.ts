/** Asking before a change: --yes skips it; without a terminal it must be given. */
import { createInterface } from 'node:readline/promises';
import { InputError } from '../errors.js';

export async function confirmPlan(command: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new InputError(`${command} needs confirmation: run it on a terminal, or pass --yes`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Apply this plan? (type "yes"): ');
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

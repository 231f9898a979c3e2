import { prelaunchSupervisor } from '../platform/local/supervisor-process.js';

/**
 * `rck up` (not its help): launches the supervisor's process at once, before the rest of the
 * CLI loads, so that it boots meanwhile (supervisor-process.ts). Returns whether it did.
 */
export function prelaunchForUp(argv: readonly string[]): boolean {
  if (commandOf(argv) !== 'up' || argv.some((a) => a === '-h' || a === '--help')) return false;
  prelaunchSupervisor();
  return true;
}

/** The command named in `argv` (node, script, then the arguments). */
export function commandOf(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

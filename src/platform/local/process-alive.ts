/** Is a process alive? Local members outlive the supervisor, so it must ask by pid. */
import { existsSync, readFileSync } from 'node:fs';

const HAS_PROC = existsSync('/proc/self/stat');

/** The process exists and is not a zombie (a dead child nobody reaped yet still answers kill 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // Linux: field 3 of /proc/<pid>/stat is the state; Z = zombie.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Reaped between the two looks (a killed supervisor's zombie, reaped late by init): gone.
    // Only without /proc at all (macOS) does kill 0 decide. Counting it alive made a new
    // supervisor refuse to start over a dead one (chaos campaign, session 9, off seed 38).
    return !HAS_PROC;
  }
}

/** Signals a process that may have exited a moment ago. */
export function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

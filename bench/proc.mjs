// What the benches read about a process from /proc (Linux): CPU time and resident memory.
import { readFile } from 'node:fs/promises';

const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds. */
export async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** Resident memory in MB (not rounded). */
export async function rssMb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

/** Which processes descend from this one, and which TCP ports they listen on (from /proc and ss). */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function descendantPids(root = process.pid): Promise<Set<number>> {
  const parent = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!out.has(pid) && (ppid === root || out.has(ppid))) {
        out.add(pid);
        grew = true;
      }
    }
  }
  return out;
}

export interface Listener {
  address: string;
  port: number;
  pid: number;
  command: string;
}

/** Every listening TCP socket (IPv4 and IPv6) with its owning process. */
export async function tcpListeners(): Promise<Listener[]> {
  const { stdout } = await run('ss', ['-Hltnp']);
  const out: Listener[] = [];
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    if (!local) continue;
    const i = local.lastIndexOf(':');
    const address = local.slice(0, i).replace(/^\[|\]$/g, '');
    for (const m of line.matchAll(/\("([^"]+)",pid=(\d+)/g)) {
      out.push({ address, port: Number(local.slice(i + 1)), pid: Number(m[2]), command: m[1]! });
    }
  }
  return out;
}

export const isLoopback = (address: string) => address.startsWith('127.') || address === '::1';

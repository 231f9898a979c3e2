/**
 * Supervisors whose state directory was deleted while they ran (`rm -rf` of the state
 * home, say). Their control socket, pid record and spec went with the directory, so rck
 * has no other way to reach them, while they and their members keep running and holding
 * the ports. A supervisor works in its state directory (supervisor-run.ts): the kernel
 * keeps naming that directory in /proc/<pid>/cwd, marked " (deleted)" once it is gone.
 * Linux only; without /proc none is found. Read on error paths only (a scan of /proc).
 */
import { readFile, readdir, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

export interface OrphanedSupervisor {
  pid: number;
  /** The deleted directory it served. */
  stateDir: string;
}

/** The supervisor's entry, on its command line whether it starts from it or from its snapshot (supervisor-process.ts). */
const SUPERVISOR_ENTRY = '/supervisor-main.js';
const DELETED = ' (deleted)';

interface ProcessSeen {
  pid: number;
  ppid: number;
  args: string[];
  /** Its working directory, " (deleted)" taken off; `deleted` says whether it was there. */
  cwd: string;
  deleted: boolean;
}

/** Every process of ours with its arguments and working directory. */
async function processes(): Promise<ProcessSeen[]> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((e) => /^\d+$/.test(e));
  const seen = await Promise.all(
    pids.map(async (pid): Promise<ProcessSeen | undefined> => {
      try {
        const [cmdline, cwd, stat] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readlink(`/proc/${pid}/cwd`), readFile(`/proc/${pid}/stat`, 'utf8')]);
        const deleted = cwd.endsWith(DELETED);
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return { pid: Number(pid), ppid, args: cmdline.split('\0'), cwd: deleted ? cwd.slice(0, -DELETED.length) : cwd, deleted };
      } catch {
        return undefined; // exited meanwhile, or another user's
      }
    }),
  );
  return seen.filter((p) => p !== undefined);
}

export async function orphanedSupervisors(): Promise<OrphanedSupervisor[]> {
  return (await processes()).filter((p) => p.deleted && p.args.some((a) => a.endsWith(SUPERVISOR_ENTRY))).map((p) => ({ pid: p.pid, stateDir: p.cwd }));
}

/**
 * The members an orphaned supervisor runs: each works in its volume, under the deleted
 * directory, and is its child or (left by an earlier supervisor) a Redis or Valkey server.
 * Nothing else, not even a shell that was in that directory.
 */
export async function orphanedMembers(o: OrphanedSupervisor): Promise<number[]> {
  const server = /(redis|valkey)-server/;
  return (await processes()).filter((p) => p.pid !== o.pid && p.cwd.startsWith(`${o.stateDir}/`) && (p.ppid === o.pid || server.test(p.args[0] ?? ''))).map((p) => p.pid);
}

/** The orphaned supervisor of the cluster whose state directory is `stateDir`, if one runs. */
export async function orphanedSupervisorOf(stateDir: string): Promise<OrphanedSupervisor | undefined> {
  const dir = resolve(stateDir);
  // The kernel names the real path; the parent may be reached through a symlink.
  const real = join(await realpath(dirname(dir)).catch(() => dirname(dir)), basename(dir));
  return (await orphanedSupervisors()).find((o) => o.stateDir === dir || o.stateDir === real);
}

/** One line for the user: what happened, and what stopping it costs. */
export function orphanedText(name: string, o: OrphanedSupervisor): string {
  return `the state directory of cluster ${name} (${o.stateDir}) was deleted while its supervisor (pid ${o.pid}) ran; it and its members still run, and the members hold their data in memory only`;
}

/** `target`: the flags that name the cluster (`--name x`, `--state-dir d`). */
export function orphanedHint(target: string): string {
  return `\`rck down ${target} --yes\` stops them, and what they hold is lost`;
}

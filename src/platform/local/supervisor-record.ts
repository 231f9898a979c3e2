/**
 * The supervisor's record in the state directory (supervisor.json: its pid) and what a
 * supervisor that is gone left behind. Apart from supervisor.ts so that `up`, `down` and
 * `status` read it without loading the supervisor.
 */
import { readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stopPid } from './member-stop.js';
import { pidAlive } from './process-alive.js';
import type { StateDir } from './state-dir.js';

/** Records this process as the cluster's supervisor; refuses when a live one exists. */
export async function claimSupervisor(state: StateDir, logFile?: string): Promise<void> {
  const record = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), logFile });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // O_EXCL: of two supervisors started at once, exactly one gets the file.
      await writeFile(state.supervisorFile, record, { mode: 0o600, flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const rec = await state.readSupervisor().catch(() => undefined);
    if (rec && rec.pid !== process.pid && pidAlive(rec.pid)) {
      throw new Error(`cluster in ${state.dir} already has a running supervisor (pid ${rec.pid})`);
    }
    if (rec && !pidAlive(rec.pid)) await rm(state.supervisorFile, { force: true }); // left by one that died
  }
  throw new Error(`cannot claim ${state.supervisorFile}: another supervisor is starting`);
}

export async function releaseSupervisor(state: StateDir): Promise<void> {
  if ((await supervisorPid(state)) === process.pid) await rm(state.supervisorFile, { force: true });
}

/** Pid of a live supervisor of this state dir, if any. */
export async function supervisorPid(state: StateDir): Promise<number | undefined> {
  const rec = await state.readSupervisor().catch(() => undefined);
  if (!rec || !pidAlive(rec.pid)) return undefined;
  return rec.pid;
}

/**
 * `rck down` with no supervisor (it was killed, or did not stop): stop every member
 * process of this cluster. Found by the pids recorded in members.json and, on Linux,
 * by any process whose working directory is a member's volume (a record may be stale).
 */
export async function stopLeftoverMembers(state: StateDir, report: (line: string) => void): Promise<void> {
  const stops: Promise<void>[] = [];
  for (const { pid, name } of await runningMembers(state)) {
    report(`${name}: stopping pid ${pid}, left running by a supervisor that is gone`);
    stops.push(stopPid(pid));
  }
  await Promise.all(stops);
}

/** The member processes of this cluster that are alive (their working directory is a member's volume). */
export async function runningMembers(state: StateDir): Promise<Array<{ pid: number; name: string }>> {
  const prev = await state.readMembers();
  const candidates = new Map<number, string>();
  for (const m of prev?.members ?? []) if (m.pid) candidates.set(m.pid, m.name);
  for (const pid of await processesUnder(join(state.dir, 'members'))) if (!candidates.has(pid)) candidates.set(pid, 'a member');
  const out: Array<{ pid: number; name: string }> = [];
  for (const [pid, name] of candidates) {
    if (!pidAlive(pid)) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd.startsWith(`${join(state.dir, 'members')}/`) && cwd.endsWith('/data')) out.push({ pid, name });
  }
  return out;
}

/** Pids whose working directory is below `dir` (Linux; empty elsewhere). */
async function processesUnder(dir: string): Promise<number[]> {
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const cwd = await readlink(`/proc/${e}/cwd`).catch(() => '');
    if (cwd.startsWith(`${dir}/`)) out.push(Number(e));
  }
  return out;
}

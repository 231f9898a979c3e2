/**
 * Child processes of the harness: each is tied to this Node process with a parent-death
 * signal (setpriv --pdeathsig KILL), so nothing outlives a crashed test run, and stopped
 * explicitly with SIGTERM then SIGKILL on normal teardown.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

export interface Managed {
  name: string;
  proc: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Starts `cmd args` with stdout+stderr appended to logFile. */
export async function startManaged(name: string, cmd: string, args: string[], logFile: string, opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Managed> {
  const log = await open(logFile, 'a');
  const proc = spawn('setpriv', ['--pdeathsig', 'KILL', '--', cmd, ...args], {
    stdio: ['ignore', log.fd, log.fd],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  live.add(proc);
  // Listen before any await: a process that exits at once must not be missed.
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve(code ?? signal ?? 'unknown');
    });
    proc.once('error', () => {
      live.delete(proc);
      resolve('spawn-error');
    });
  });
  await log.close();
  return { name, proc, logFile, exited };
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopManaged(m: Managed, graceMs = 5_000): Promise<void> {
  if (m.proc.exitCode !== null || m.proc.signalCode !== null) return;
  m.proc.kill('SIGTERM');
  const timer = setTimeout(() => m.proc.kill('SIGKILL'), graceMs);
  await m.exited;
  clearTimeout(timer);
}

export async function logTail(file: string, lines = 25): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; tiny race until the component binds it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

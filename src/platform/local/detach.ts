/**
 * `rck up --detach`: the supervisor runs as a background process (its own session,
 * output to supervisor.log). Until the cluster is up it reports progress to the parent
 * over an IPC channel; then the parent disconnects and exits, and the child stays.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { OperationError } from '../../errors.js';
import type { StateDir } from './state-dir.js';

const SUPERVISOR_MAIN = fileURLToPath(new URL('./supervisor-main.js', import.meta.url));

/** Messages the detached supervisor sends to the `up` that started it. */
export type DetachMessage =
  | { type: 'progress'; line: string }
  | { type: 'ready'; created: boolean; healthy: boolean; problems: string[] }
  | { type: 'failed'; message: string };

export interface DetachResult {
  pid: number;
  created: boolean;
  healthy: boolean;
  problems: string[];
}

/**
 * Starts `node supervisor-main.js --state-dir <dir>` detached and waits for its ready
 * (or failure) message, passing progress lines to `report`.
 */
export async function startDetachedSupervisor(state: StateDir, report: (line: string) => void): Promise<DetachResult> {
  const log = await open(state.supervisorLog, 'a', 0o600);
  // The supervisor must stay under 80 MB resident and is I/O bound: a 1 MB young
  // generation and V8's lite mode (no optimizing compiler) take it from ~72 MB to ~55 MB.
  // (--no-expose-wasm first: lite mode disables it anyway, and says so on stderr otherwise.)
  const child = spawn(process.execPath, ['--max-semi-space-size=1', '--no-expose-wasm', '--lite-mode', SUPERVISOR_MAIN, '--state-dir', state.dir], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd, 'ipc'],
    env: process.env,
  });
  await log.close();
  return new Promise<DetachResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      if (child.connected) child.disconnect();
      child.unref();
    };
    child.on('message', (m: DetachMessage) => {
      if (m.type === 'progress') report(m.line);
      else if (m.type === 'ready') finish(() => resolve({ pid: child.pid!, created: m.created, healthy: m.healthy, problems: m.problems }));
      else finish(() => reject(new OperationError(m.message)));
    });
    child.once('exit', (code, signal) =>
      finish(() => reject(new OperationError(`supervisor exited during start (${signal ?? `code ${code}`}); see ${state.supervisorLog}`))),
    );
    child.once('error', (err) => finish(() => reject(new OperationError(`cannot start the supervisor: ${err.message}`))));
  });
}

/** Runs the built CLI (`npm test` builds first) the way a user does: bin/rck, read by the shell. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RCK_BIN = fileURLToPath(new URL('../../bin/rck', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runRck(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(RCK_BIN, args, { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function runCommand(cmd: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

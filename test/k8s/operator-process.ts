/** `rck operator --kubeconfig` from dist/, as users run it from outside the cluster, for the K8s tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist', 'cli', 'main.js');

export interface OperatorProcess {
  child: ChildProcess;
  /** Its log lines (stdout and stderr), as they come. */
  log: string[];
}

/** Starts an operator for one namespace, with a short lease and a 500 ms pass interval. */
export function startOperator(kubeconfig: string, namespace: string): OperatorProcess {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  const args = [MAIN, 'operator', '--kubeconfig', kubeconfig, '-n', namespace, '--interval', '500ms', '--lease-duration', '3s'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const collect = (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, log };
}

/** Sends a signal and waits for the exit; nothing to do when it already exited. */
export async function stopOperator(op: OperatorProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const { child } = op;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

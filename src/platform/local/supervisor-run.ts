/**
 * The supervisor process (supervisor-process.ts launches it; its entries are
 * supervisor-main.ts and, from a startup snapshot, supervisor-snapshot.ts):
 * it does nothing until `up` sends `{ type: 'start', stateDir, healthTimeoutMs, foreground }` over
 * IPC; if `up` goes away (or kills it) first, it exits having touched nothing.
 * A separate process, not a CLI command, so it loads only what it needs (its
 * resident memory must stay under 80 MB). Once started, everything it writes goes to
 * supervisor.log (JSON lines), and every line to the parent over IPC while connected.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorText } from '../../errors.js';
import { StateDir } from './state-dir.js';
import { Supervisor } from './supervisor.js';
import type { SupervisorMessage, SupervisorStart } from './supervisor-process.js';

export async function runSupervisorProcess(): Promise<void> {
  process.on('SIGHUP', () => {}); // keep running when the terminal that started `up` closes
  const start = await new Promise<SupervisorStart | undefined>((resolve) => {
    process.once('message', (m: SupervisorStart) => resolve(m.type === 'start' ? m : undefined));
    process.once('disconnect', () => resolve(undefined));
  });
  if (!start) process.exit(0); // `up` stopped before the start: nothing was done
  const { foreground } = start;

  // Working in the state directory lets rck find this process should the directory be deleted
  // under it (orphans.ts): /proc/<pid>/cwd still names it.
  const stateDir = resolve(start.stateDir);
  process.chdir(stateDir);
  const state = new StateDir(stateDir);
  sendOutputTo(state.supervisorLog);
  const send = (m: SupervisorMessage) => {
    if (process.send && process.connected) process.send(m);
  };
  const report = (line: string) => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`);
    send({ type: 'progress', line });
  };
  const sup = new Supervisor({
    state,
    report,
    healthTimeoutMs: start.healthTimeoutMs,
    logFile: state.supervisorLog,
    // The controller is loaded once the members are spawned: they need none of it to start.
    loadLoops: async () => (await import('./loops.js')).supervisorLoops(),
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      report('stopping members (data is kept)');
      void sup.stop();
    });
  }
  // Foreground: the `rck up` that owns us is gone (killed, its terminal closed). Stopping
  // the members would be the keeper's own failure taking the cluster down (and, with
  // persistence off, every key with it), so keep supervising in the background.
  if (foreground) {
    process.on('disconnect', () => report('the `rck up` that started this supervisor is gone; supervising in the background (stop with `rck down`)'));
  }

  try {
    const r = await sup.start();
    send({ type: 'ready', created: r.created, healthy: r.health.healthy, problems: r.health.problems, members: r.members });
    if (!foreground && process.connected) process.disconnect();
    await sup.stopped();
    report('supervisor stopped');
  } catch (err) {
    report(`start failed: ${errorText(err)}`);
    send({ type: 'failed', message: errorText(err) });
    process.exitCode = 1;
  } finally {
    if (process.connected) process.disconnect(); // an open IPC channel would keep us alive
  }
}

/**
 * Our stdout and stderr were set before the log's directory existed (`up` had not checked
 * the spec yet): from now on what the process writes, and an uncaught error, go to the log.
 */
function sendOutputTo(path: string): void {
  const fd = openSync(path, 'a', 0o600);
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') writeSync(fd, chunk);
    else writeSync(fd, chunk);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  process.stderr.write = write as typeof process.stderr.write;
  process.on('uncaughtException', (err) => {
    writeSync(fd, `${err.stack ?? String(err)}\n`);
    closeSync(fd);
    process.exit(1);
  });
}

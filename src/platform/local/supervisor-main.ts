/**
 * Entry point of the supervisor process started by `rck up`:
 *   node supervisor-main.js --state-dir <dir> [--foreground] [--health-timeout <ms>]
 * A separate entry, not a CLI command, so the process loads only what it needs (its
 * resident memory must stay under 80 MB). Logs JSON lines to stdout (supervisor.log)
 * and sends every line to the parent over IPC while it is connected.
 */
import { errorText } from '../../errors.js';
import { StateDir } from './state-dir.js';
import { Supervisor } from './supervisor.js';
import type { SupervisorMessage } from './supervisor-process.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dir = arg('--state-dir');
if (!dir) {
  process.stderr.write('usage: supervisor-main.js --state-dir <dir> [--foreground] [--health-timeout <ms>]\n');
  process.exit(2);
}
const foreground = process.argv.includes('--foreground');
const state = new StateDir(dir);
const send = (m: SupervisorMessage) => {
  if (process.send && process.connected) process.send(m);
};
const report = (line: string) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`);
  send({ type: 'progress', line });
};
const healthTimeoutMs = Number(arg('--health-timeout')) || undefined;
const sup = new Supervisor({
  state,
  report,
  healthTimeoutMs,
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
process.on('SIGHUP', () => {}); // detached: keep running when the terminal that started `up` closes
// Foreground: the `rck up` that owns us is gone (killed, its terminal closed). Stopping
// the members would be the keeper's own failure taking the cluster down (and, with
// persistence off, every key with it), so keep supervising in the background.
if (foreground) {
  process.on('disconnect', () => report('the `rck up` that started this supervisor is gone; supervising in the background (stop with `rck down`)'));
}

try {
  const r = await sup.start();
  send({ type: 'ready', created: r.created, healthy: r.health.healthy, problems: r.health.problems });
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

/**
 * Entry point of the background supervisor started by `rck up --detach`:
 *   node supervisor-main.js --state-dir <dir>
 * A separate entry, not a CLI command, so the process loads only what it needs
 * (its resident memory must stay under 80 MB). Logs JSON lines to stdout (the log
 * file) and reports progress to the parent over IPC until the cluster is up.
 */
import { errorText } from '../../errors.js';
import type { DetachMessage } from './detach.js';
import { supervisorLoops } from './loops.js';
import { StateDir } from './state-dir.js';
import { Supervisor } from './supervisor.js';

const i = process.argv.indexOf('--state-dir');
const dir = i > 0 ? process.argv[i + 1] : undefined;
if (!dir) {
  process.stderr.write('usage: supervisor-main.js --state-dir <dir>\n');
  process.exit(2);
}
const state = new StateDir(dir);
const send = (m: DetachMessage) => {
  if (process.send && process.connected) process.send(m);
};
const report = (line: string) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`);
  send({ type: 'progress', line });
};
const sup = new Supervisor({ state, report, logFile: state.supervisorLog, loops: supervisorLoops() });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void sup.stop());
process.on('SIGHUP', () => {}); // keep running when the terminal that started `up` closes

try {
  const r = await sup.start();
  send({ type: 'ready', created: r.created, healthy: r.health.healthy, problems: r.health.problems });
  if (process.connected) process.disconnect();
  await sup.stopped();
  report('supervisor stopped');
} catch (err) {
  report(`start failed: ${errorText(err)}`);
  send({ type: 'failed', message: errorText(err) });
  process.exitCode = 1;
}

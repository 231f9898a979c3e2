/**
 * `rck supervise`: internal; the background supervisor started by `rck up --detach`.
 * Logs JSON lines to stdout (the log file); talks to the parent over IPC until ready.
 */
import type { Command } from 'commander';
import { errorText } from '../../errors.js';
import type { DetachMessage } from '../../platform/local/detach.js';
import { StateDir } from '../../platform/local/state-dir.js';
import { Supervisor } from '../../platform/local/supervisor.js';

export function registerSupervise(program: Command): void {
  program
    .command('supervise', { hidden: true })
    .description('run the supervisor of a local cluster in this process (used by `rck up --detach`)')
    .requiredOption('--state-dir <dir>', "the cluster's state directory")
    .action(async (flags: { stateDir: string }) => {
      const state = new StateDir(flags.stateDir);
      const send = (m: DetachMessage) => {
        if (process.send && process.connected) process.send(m);
      };
      const report = (line: string) => {
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`);
        send({ type: 'progress', line });
      };
      const sup = new Supervisor({ state, report, logFile: state.supervisorLog });
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void sup.stop());
      process.on('SIGHUP', () => {}); // keep running when the terminal that started us closes
      try {
        const r = await sup.start();
        send({ type: 'ready', created: r.created, healthy: r.health.healthy, problems: r.health.problems });
      } catch (err) {
        report(`start failed: ${errorText(err)}`);
        send({ type: 'failed', message: errorText(err) });
        process.exitCode = 1;
        return;
      }
      if (process.connected) process.disconnect();
      await sup.stopped();
      report('supervisor stopped');
    });
}

/** `rck dashboard`: the address of the local cluster's live web view (and /metrics); `--open` opens it. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { OperationError } from '../../errors.js';
import { callControl } from '../../platform/local/control.js';
import { resolveLocalCluster } from '../../platform/local/resolve.js';
import { type SupervisorStatus, supervisorPid } from '../../platform/local/supervisor.js';
import { printLine } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

export function registerDashboard(program: Command): void {
  addLocalOptions(
    program
      .command('dashboard')
      .description("print the address of the local cluster's live web view (slot map, topology, conditions, events; served by its supervisor on 127.0.0.1), and of its /metrics")
      .option('--open', 'also open it in the desktop browser (xdg-open, or open on macOS)'),
    false,
  ).action(async (flags: LocalTargetFlags & { open?: boolean }) => {
    const t = await resolveLocalCluster(flags);
    const noSupervisor = `cluster ${t.cluster.metadata.name}: no supervisor runs (start it with \`rck up\`); the web view is served by it`;
    if ((await supervisorPid(t.state)) === undefined) throw new OperationError(noSupervisor);
    const sup = await callControl<SupervisorStatus>(t.state.controlSocket, { op: 'status' }, 5000);
    if (!sup.http) throw new OperationError(`cluster ${t.cluster.metadata.name}: its supervisor serves no web view yet (still starting, or an older rck)`);
    printLine(`${sup.http}/`);
    printLine(`metrics: ${sup.http}/metrics`);
    if (flags.open) {
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      const child = spawn(opener, [`${sup.http}/`], { stdio: 'ignore', detached: true });
      child.on('error', () => printLine(`cannot run ${opener}: open the address above yourself`));
      child.unref();
    }
  });
}

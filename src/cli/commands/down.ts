import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { callControl } from '../../platform/local/control.js';
import { type OrphanedSupervisor, orphanedMembers, orphanedSupervisorOf, orphanedText } from '../../platform/local/orphans.js';
import { type LocalTarget, missingClusterError, orphanedError, orphanedName, resolveLocalCluster } from '../../platform/local/resolve.js';
import { pidAlive, signalPid } from '../../platform/local/process-alive.js';
import { stopLeftoverMembers, supervisorPid } from '../../platform/local/supervisor.js';
import { printLine, progressPrinter } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

interface DownFlags extends LocalTargetFlags {
  purge?: boolean;
  yes?: boolean;
}

export function registerDown(program: Command): void {
  const cmd = program
    .command('down')
    .description('stop the local cluster: the supervisor and every member (gracefully: Redis saves); volumes are kept unless --purge')
    .option('--purge', "also delete the cluster's state directory: volumes (all data), password, logs")
    .option('-y, --yes', 'do not ask for confirmation before --purge, or before stopping a cluster whose state directory was deleted');
  addLocalOptions(cmd, false).action(async (flags: DownFlags) => {
    const report = progressPrinter();
    const target = await resolveLocalCluster(flags);
    if (!target.exists) {
      const orphan = await orphanedSupervisorOf(target.state.dir);
      if (!orphan) throw await missingClusterError(target);
      return stopOrphaned(target, orphan, flags.yes === true, report);
    }
    const { state, cluster } = target;
    const name = cluster.metadata.name;
    if (flags.purge && !flags.yes) {
      const refusal = new InputError(`refusing to delete the volumes of cluster ${name} without confirmation`, { hint: 'pass --yes' });
      await confirm(`Delete cluster ${name} and ALL its data in ${state.dir}?`, name, refusal);
    }
    const pid = await supervisorPid(state);
    if (pid !== undefined) {
      report(`stopping supervisor pid ${pid} and the members of ${name}`);
      await stopSupervisor(pid, state.controlSocket, report);
    }
    // Whatever state the supervisor was in (killed, stuck, crash-looping members), no
    // member process of this cluster outlives `down`.
    await stopLeftoverMembers(state, report);
    if (flags.purge) {
      await rm(state.dir, { recursive: true, force: true });
      printLine(`cluster ${name} stopped and purged (${state.dir} deleted)`);
    } else {
      printLine(`cluster ${name} stopped; data kept in ${state.dir} (\`rck up\` brings it back, \`rck down --purge\` deletes it)`);
    }
  });
}

/** How long a supervisor gets to stop its members in order before `down` stops them itself. */
const SUPERVISOR_STOP_GRACE_MS = 30_000;

/** Asks the supervisor to stop (SIGTERM if its socket does not answer); SIGKILL after the grace period. */
async function stopSupervisor(pid: number, socket: string, report: (line: string) => void): Promise<void> {
  await callControl(socket, { op: 'stop' }).catch(() => signalPid(pid, 'SIGTERM'));
  const deadline = Date.now() + SUPERVISOR_STOP_GRACE_MS;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (!pidAlive(pid)) return;
  report(`supervisor pid ${pid} did not stop within ${SUPERVISOR_STOP_GRACE_MS / 1000} s; killing it and stopping the members directly`);
  signalPid(pid, 'SIGKILL');
  while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 20));
}

/**
 * A cluster whose state directory was deleted under its running supervisor (orphans.ts):
 * its members cannot save anywhere (Redis then refuses a SIGTERM), so stopping them loses
 * what they hold. Only on --yes or a typed confirmation; then the supervisor is killed first
 * (it would restart them), and its members after it.
 */
async function stopOrphaned(target: LocalTarget, orphan: OrphanedSupervisor, yes: boolean, report: (line: string) => void): Promise<void> {
  const name = orphanedName(target);
  if (!yes) await confirm(`${orphanedText(name, orphan)}. Stop them and lose that data?`, name, orphanedError(target, orphan));
  const members = await orphanedMembers(orphan);
  report(`killing supervisor pid ${orphan.pid} and the ${members.length} members of ${name} (their state directory is gone: they cannot save)`);
  for (const pid of [orphan.pid, ...members]) {
    signalPid(pid, 'SIGKILL');
    while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 20));
  }
  printLine(`cluster ${name} stopped; its state directory had been deleted, so nothing was kept`);
}

/** Asks to type the cluster name; without a terminal, throws `refusal` (which says to pass --yes). */
async function confirm(question: string, name: string, refusal: InputError): Promise<void> {
  if (!process.stdin.isTTY) throw refusal;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} Type the cluster name to confirm: `);
  rl.close();
  if (answer.trim() !== name) throw new InputError('not confirmed; nothing was changed');
}

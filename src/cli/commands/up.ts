import type { Command } from 'commander';
import { callControl } from '../../platform/local/control.js';
import { type StartedSupervisor, launchSupervisor } from '../../platform/local/supervisor-process.js';
import { discardNewCluster, prepareUp } from '../../platform/local/prepare.js';
import { resolveLocalCluster } from '../../platform/local/resolve.js';
import { parseMillis } from '../parse-values.js';
import { engineLabel } from '../../topology/engine.js';
import { loadTable, printLine, progressPrinter } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

interface UpFlags extends LocalTargetFlags {
  detach?: boolean;
  timeout: string;
}

export function registerUp(program: Command): void {
  const cmd = program
    .command('up')
    .description(
      'start the local cluster (default: the seed, redis-app, 3 masters x 1 replica): members in ordinal order, each with its volume; ' +
        'creates the cluster on first run only, then supervises it (restarts members that die)',
    )
    .option('-d, --detach', 'run the supervisor in the background (log: <state dir>/supervisor.log); stop it with `rck down`')
    .option('--timeout <duration>', 'how long to wait for the cluster to be healthy before reporting it degraded', '60s');
  addLocalOptions(cmd).action(async (flags: UpFlags) => {
    const started = Date.now();
    const report = progressPrinter();
    const healthTimeoutMs = parseMillis(flags.timeout, '--timeout');
    // Launched before the spec is checked (by main.ts, before the CLI loads), so its process
    // boots meanwhile; it does nothing until started, and is cancelled when `up` stops before that.
    const supervisor = launchSupervisor();
    const { target, prep } = await (async () => {
      const target = await resolveLocalCluster(flags);
      return { target, prep: await prepareUp(target.state, target.cluster, flags.file ?? (target.exists ? target.state.specFile : 'the seed spec')) };
    })().catch(async (err: unknown) => {
      await supervisor.cancel();
      throw err;
    });
    const { state, cluster } = target;
    if (prep.runningPid !== undefined) {
      await supervisor.cancel();
      const running = await state.readSpec();
      const { masters, replicasPerMaster } = cluster.spec;
      const shape = (c: typeof cluster) => ({ ...c, spec: { ...c.spec, masters: 0, replicasPerMaster: 0 } });
      const resized = masters !== running.spec.masters || replicasPerMaster !== running.spec.replicasPerMaster;
      if (resized) {
        await callControl(state.controlSocket, { op: 'scale', masters, replicasPerMaster });
        printLine(`cluster ${cluster.metadata.name} is up (supervisor pid ${prep.runningPid}); scaling it to ${masters}x${replicasPerMaster}: follow with \`rck status\``);
      } else {
        printLine(`cluster ${cluster.metadata.name} is already up (supervisor pid ${prep.runningPid}); nothing to do`);
      }
      if (JSON.stringify(shape(running)) !== JSON.stringify(shape(cluster))) {
        report('other changes to the spec take effect after `rck down` and `rck up`');
      }
      return;
    }
    report(`${prep.isNew ? 'new' : 'existing'} cluster ${cluster.metadata.name} (${engineLabel(prep.engine)}: ${prep.serverBinary}), state in ${state.dir}`);
    const starting = supervisor.start(state, { healthTimeoutMs, foreground: !flags.detach }, report);
    // The table loads while the members start (the rest of `rck status` only when degraded).
    const printing = import('./member-rows.js').then((m) => {
      loadTable();
      return m;
    });
    const r = await starting.catch(async (err: unknown) => {
      throw prep.isNew ? await discardNewCluster(state, err) : err;
    });
    await summarize(target, started, r, await printing);
    if (flags.detach) {
      printLine(`supervisor pid ${r.pid} runs in the background; log: ${state.supervisorLog}; stop with \`rck down\``);
      return;
    }
    report('supervising; Ctrl-C stops the members and keeps their data');
    await r.exited;
    report('stopped');
  });
}

async function summarize(
  target: Awaited<ReturnType<typeof resolveLocalCluster>>,
  started: number,
  { created, healthy, problems, members }: StartedSupervisor,
  { printMemberRows }: typeof import('./member-rows.js'),
): Promise<void> {
  const { state, cluster } = target;
  // Healthy: the supervisor sent the rows it saw; degraded: show the cluster as it is now.
  if (members) printMemberRows(members);
  else printMemberRows((await (await import('../../platform/local/local-status.js')).readLocalStatus({ ...target, exists: true }, await state.profile(cluster))).members);
  const ms = Date.now() - started;
  printLine(
    healthy
      ? `cluster ${cluster.metadata.name} is up and healthy in ${ms} ms (${created ? 'created' : 'existing cluster, not re-created'})`
      : `cluster ${cluster.metadata.name} is up but degraded after ${ms} ms: ${problems.join('; ')}`,
  );
}

/**
 * `rck scale --masters N --replicas R`: edits the spec (the file given with -f,
 * keeping its comments, and the applied spec in the state dir) and applies it:
 * the running supervisor's controller adds or retires members and moves slots.
 * Waits until the cluster has the new shape and is Ready, printing what the
 * controller does.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readEvents } from '../../controller/event-log.js';
import { InputError, OperationError } from '../../errors.js';
import { callControl } from '../../platform/local/control.js';
import { readLocalStatus } from '../../platform/local/local-status.js';
import { requireLocalCluster } from '../../platform/local/resolve.js';
import { supervisorPid } from '../../platform/local/supervisor.js';
import { memberCount } from '../../spec/members.js';
import { parseCount, parseMillis } from '../options.js';
import { printLine, progressPrinter } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

interface ScaleFlags extends LocalTargetFlags {
  masters?: string;
  replicas?: string;
  wait: boolean;
  timeout: string;
}

export function registerScale(program: Command): void {
  const cmd = program
    .command('scale')
    .description(
      'change the number of masters and/or replicas per master of the local cluster: members are added or retired by the controller, ' +
        'slots move onto new masters (scale-out) or off the highest-ordinal shards before they stop (scale-in); no acknowledged write is lost',
    )
    .option('--masters <n>', 'masters (shards) wanted; at least 3')
    .option('--replicas <n>', 'replicas per master wanted')
    .option('--no-wait', 'return once the new shape is applied, without waiting for the controller to finish')
    .option('--timeout <duration>', 'how long to wait for the new shape to be Ready', '10m');
  addLocalOptions(cmd).action(async (flags: ScaleFlags) => {
    if (flags.masters === undefined && flags.replicas === undefined) throw new InputError('give --masters and/or --replicas');
    const t = await requireLocalCluster(flags);
    const masters = flags.masters === undefined ? t.cluster.spec.masters : parseCount(flags.masters, '--masters');
    const replicasPerMaster = flags.replicas === undefined ? t.cluster.spec.replicasPerMaster : parseCount(flags.replicas, '--replicas');
    if (masters < 3) {
      throw new InputError(
        `--masters ${masters}: refused, a Redis Cluster needs at least 3 masters (a majority of masters must survive to fail a shard over); nothing was changed`,
        { subject: '--masters' },
      );
    }
    // The whole spec is validated with the new numbers before anything is written.
    const { validateSpec } = await import('../../spec/load.js');
    const cluster = validateSpec({ ...t.cluster, spec: { ...t.cluster.spec, masters, replicasPerMaster } }, 'rck scale');
    const from = `${t.cluster.spec.masters}x${t.cluster.spec.replicasPerMaster}`;
    const to = `${masters}x${replicasPerMaster}`;
    const report = progressPrinter();
    // The user's file is edited only once the change is applied, so a refusal leaves it as it was.
    if ((await supervisorPid(t.state)) === undefined) {
      await t.state.writeSpec(cluster);
      if (flags.file) await editSpecFile(flags.file, masters, replicasPerMaster);
      printLine(`spec of ${cluster.metadata.name} set to ${to} (was ${from}); the cluster is not running: the controller scales it at the next \`rck up\``);
      return;
    }
    const started = new Date().toISOString();
    await callControl(t.state.controlSocket, { op: 'scale', masters, replicasPerMaster });
    if (flags.file) await editSpecFile(flags.file, masters, replicasPerMaster);
    report(`scaling ${cluster.metadata.name} from ${from} to ${to} (${memberCount(cluster.spec)} members)`);
    if (!flags.wait) {
      printLine(`scale to ${to} applied; follow it with \`rck status\` and \`rck events\``);
      return;
    }
    const ms = await waitScaled({ ...t, cluster }, parseMillis(flags.timeout, '--timeout'), started, report);
    printLine(`${cluster.metadata.name} scaled from ${from} to ${to} in ${(ms / 1000).toFixed(1)} s and is Ready`);
  });
}

/** Sets spec.masters / spec.replicasPerMaster in the YAML file, keeping everything else (comments too). */
async function editSpecFile(path: string, masters: number, replicas: number): Promise<void> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(await readFile(path, 'utf8'));
  doc.setIn(['spec', 'masters'], masters);
  doc.setIn(['spec', 'replicasPerMaster'], replicas);
  await writeFile(path, doc.toString());
}

/** Polls until the members, the shape and the controller's Ready condition match; prints the controller's actions meanwhile. */
async function waitScaled(t: Awaited<ReturnType<typeof requireLocalCluster>>, timeoutMs: number, since: string, report: (line: string) => void): Promise<number> {
  const start = Date.now();
  const profile = await t.state.profile(t.cluster);
  let seen = 0;
  let last = '';
  while (Date.now() - start < timeoutMs) {
    const events = (await readEvents(t.state.eventsFile)).filter((e) => e.time >= since);
    for (const e of events.slice(seen)) report(`  ${e.member}: ${e.reason}: ${e.message}`);
    seen = events.length;
    const s = await readLocalStatus(t, profile);
    if (!s.supervisor) {
      throw new OperationError('the supervisor stopped before the scale finished', {
        hint: 'run `rck up`: the controller finishes the scale from where it stopped',
      });
    }
    const ready = s.conditions.find((c) => c.type === 'Ready');
    if (s.members.length === memberCount(t.cluster.spec) && s.health.healthy && ready?.status === 'True') return Date.now() - start;
    last = ready?.status === 'True' ? s.health.problems.slice(0, 3).join('; ') : `${ready?.reason}: ${ready?.message}`;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new OperationError(`not scaled after ${timeoutMs / 1000} s: ${last}`, {
    hint: 'the controller keeps working on it; see `rck status` and `rck events`',
  });
}

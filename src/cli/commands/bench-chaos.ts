/** `rck bench chaos`: a seeded schedule of faults on the local cluster under the consistency workload, and a verdict. */
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { requireLocalCluster } from '../../platform/local/resolve.js';
import { resumeFrozenMembers } from '../../workload/chaos-faults.js';
import { type ChaosStart, runChaos } from '../../workload/chaos-run.js';
import { FAULT_KINDS, FAULT_KIND_HELP, MAX_SEED, describeFault, parseFaultKinds } from '../../workload/chaos-schedule.js';
import { type ChaosVerdict, type FaultOutcome, faultLabel } from '../../workload/chaos-verdict.js';
import { parseCount, parseMillis } from '../options.js';
import { printJson, printLine, progressPrinter } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

interface ChaosFlags extends LocalTargetFlags {
  seed?: string;
  faults: string;
  kinds: string;
  keys: string;
  counters: string;
  workers: string;
  faultTimeout: string;
  keepKeys?: boolean;
  json?: boolean;
}

export function registerBenchChaos(bench: Command): void {
  addLocalOptions(
    bench
      .command('chaos')
      .description(
        'run a seeded random schedule of faults on the local cluster (`rck up`) while the consistency workload runs and a preloaded key set waits: ' +
          'one line per fault (time back to Ready, longest write outage, keys and writes lost), then a verdict; ' +
          'exits 1 when data was lost while a copy survived (except writes a frozen master acknowledged and Redis discarded, which a DataLoss event must name), ' +
          'or a loss has no DataLoss event to account for it',
      )
      .option('--seed <n>', `schedule seed, 0..${MAX_SEED} (default: random, printed); the same seed gives the same schedule`)
      .option('--faults <n>', 'number of faults', '10')
      .option('--kinds <list>', `fault kinds to draw from, comma-separated: ${FAULT_KINDS.map((k) => `${k} (${FAULT_KIND_HELP[k]})`).join('; ')}; or all`, 'all')
      .option('--keys <n>', 'preloaded keys, read back and compared after every fault', '10000')
      .option('--counters <n>', "the consistency workload's counters", '1000')
      .option('--workers <n>', "the consistency workload's client loops", '8')
      .option('--fault-timeout <duration>', 'per fault: how long the cluster may take to be Ready again', '120s')
      .option('--keep-keys', 'leave the preloaded keys in the cluster (default: deleted at the end)')
      .option('--json', 'print the verdict as JSON (fault lines go to stderr)'),
    false,
  ).action(async (flags: ChaosFlags) => {
    const seed = flags.seed === undefined ? randomInt(0, MAX_SEED) : parseCount(flags.seed, '--seed');
    if (seed > MAX_SEED) throw new InputError(`--seed: invalid value "${flags.seed}": expected an integer 0..${MAX_SEED}`);
    const kinds = parseKinds(flags.kinds);
    const target = await requireLocalCluster(flags);
    const out = flags.json ? (line: string) => process.stderr.write(`${line}\n`) : printLine;
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) {
        resumeFrozenMembers();
        process.exit(130);
      }
      process.stderr.write('\nstopping after the fault in progress (Ctrl-C again to quit at once)\n');
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    let verdict: ChaosVerdict;
    try {
      verdict = await runChaos({
        target,
        seed,
        faults: parseCount(flags.faults, '--faults', 1),
        kinds,
        keys: parseCount(flags.keys, '--keys', 1),
        counters: parseCount(flags.counters, '--counters', 1),
        workers: parseCount(flags.workers, '--workers', 1),
        faultTimeoutMs: parseMillis(flags.faultTimeout, '--fault-timeout'),
        keepKeys: flags.keepKeys,
        signal: stop.signal,
        progress: progressPrinter(),
        onStart: (info) => printStart(out, seed, info),
        onFault: (o) => out(faultLine(o)),
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (flags.json) printJson(verdict);
    else printVerdict(verdict);
    if (!verdict.ok) process.exitCode = 1;
    exitOnceDone();
  });
}

/** How long the finished command may wait for its clients to close before it exits anyway. */
const EXIT_GRACE_MS = 5000;

/**
 * The verdict is out and every client was closed, yet 2 of 100 campaign runs kept the
 * process alive for minutes (something still holds a handle; not found yet). The work is
 * done, so exit after a grace period, naming what was still open for whoever looks next.
 * The timer is unref'd: a process that drains normally exits at once, as before.
 */
function exitOnceDone(): void {
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(`rck: exiting ${EXIT_GRACE_MS / 1000} s after the verdict; still open: ${open.join(', ') || 'nothing'}\n`);
    process.exit();
  }, EXIT_GRACE_MS).unref();
}

function parseKinds(text: string) {
  try {
    return parseFaultKinds(text);
  } catch (err) {
    throw new InputError(`--kinds: ${(err as Error).message}`);
  }
}

function printStart(out: (line: string) => void, seed: number, info: ChaosStart): void {
  out(
    `chaos seed ${seed} on ${info.cluster}: ${info.masters} masters x ${info.replicasPerMaster} replica(s), ` +
      `persistence ${info.persistence ? 'on (appendonly yes)' : 'off (no AOF, no RDB)'}, cluster-node-timeout ${info.nodeTimeoutMs} ms`,
  );
  out(`schedule (${info.schedule.length} faults; the same --seed gives it again):`);
  for (const f of info.schedule) out(`  ${describeFault(f)}`);
}

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** One line per fault: what it hit, time back to Ready, longest write outage, losses. */
export function faultLine(o: FaultOutcome): string {
  const errors = o.actions.filter((a) => a.error).map((a) => `${a.kind} failed: ${a.error}`);
  const details = o.actions.filter((a) => a.detail && !a.error).map((a) => (o.actions.length > 1 ? `${a.kind}: ${a.detail}` : a.detail));
  return [
    `#${o.number} ${faultLabel(o)}${details.length ? ` [${details.join('; ')}]` : ''}`,
    o.readyAfterMs === null ? 'NOT Ready in time' : `Ready in ${seconds(o.readyAfterMs)}`,
    `longest write outage ${seconds(o.longestWriteOutageMs)}`,
    `keys lost ${o.keysLost}`,
    `lost writes ${o.lostWrites}`,
    ...(o.keysLost || o.lostWrites ? [o.copySurvived ? 'a copy survived' : 'no copy left'] : []),
    ...errors,
  ].join('  ');
}

function printVerdict(v: ChaosVerdict): void {
  const readyCount = v.faults.filter((f) => f.readyAfterMs !== null).length;
  printLine();
  printLine(`verdict              ${v.ok ? 'PASS' : 'FAIL'} (seed ${v.seed}, persistence ${v.persistence ? 'on' : 'off'})`);
  printLine(`faults               ${v.faults.length} of ${v.faultsPlanned} run, ${readyCount} Ready again within ${seconds(v.faultTimeoutMs)}`);
  printLine(`time back to Ready   ${seconds(v.maxTimeToReadyMs)} at most`);
  printLine(`longest write outage ${seconds(v.longestWriteOutageMs)} (writes to one key failing)`);
  printLine(`lost writes          ${v.lostWrites} acknowledged (${v.unackedWrites} applied without acknowledgement; ${v.ops} ops)`);
  printLine(`keys lost            ${v.keysLost} of ${v.keysPreloaded} preloaded (${v.keysUnreadable} unreadable)`);
  printLine(`DataLoss events      ${v.dataLoss.events} (${v.dataLoss.keys} keys, ${v.dataLoss.bytes} bytes of writes named)`);
  for (const l of v.losses) {
    const how = l.discardedByRedis
      ? 'acknowledged by a frozen master, discarded by Redis when it rejoined; accounted'
      : l.copySurvived
        ? 'a copy survived: NOT acceptable'
        : l.accounted
          ? 'no copy left; accounted'
          : 'no copy left; NOT accounted';
    printLine(
      `loss                 #${l.fault} ${l.label}: ${l.keysLost} keys, ${l.lostWrites} writes; ${how} ` +
        `(${l.dataLossEvents} DataLoss event(s), ${l.dataLossKeys} keys, ${l.dataLossBytes} bytes named)`,
    );
  }
  for (const f of v.failures) printLine(`failure              ${f}`);
}

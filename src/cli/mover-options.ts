/** Flags shared by the commands that move slots (reshard, rebalance). */
import type { Command } from 'commander';
import { MOVER_DEFAULTS, type MoveOptions } from '../ops/slot-mover.js';
import { ROUND_TIME_BUDGET_MS } from '../ops/slot-scripts.js';
import { type SlotPlanOptions, type SlotPlanResult, runSlotPlan } from '../ops/run-slot-plan.js';
import type { SlotMove } from '../plan/slot-moves.js';
import { type ConnectionFlags, connectionFrom, parseAddresses, parseCount, parseMillis } from './options.js';
import { progressPrinter } from './output.js';
import { moveProgressBar } from './progress-bar.js';

export interface MoverFlags {
  batchSlots: string;
  batchKeys: string;
  concurrency: string;
  migrateTimeout: string;
  waitTimeout: string;
  yes?: boolean;
  json?: boolean;
}

export function addMoverOptions(cmd: Command): Command {
  return cmd
    .option('--batch-slots <n>', 'slots moved together: each node saves its config once per batch', String(MOVER_DEFAULTS.slotsPerBatch))
    .option(
      '--batch-keys <n>',
      `most keys moved in one round on a source (a round also ends after ${ROUND_TIME_BUDGET_MS} ms): Redis serves no other client during a round`,
      String(MOVER_DEFAULTS.keysPerRound),
    )
    .option('--concurrency <n>', 'batches in flight at once (at most 2 per source master)', String(MOVER_DEFAULTS.concurrency))
    .option('--migrate-timeout <duration>', 'MIGRATE timeout', `${MOVER_DEFAULTS.migrateTimeoutMs}ms`)
    .option('--wait-timeout <duration>', 'how long to wait for the cluster to be ready (new nodes known by all, state ok)', '20s')
    .option('-y, --yes', 'run the plan without asking')
    .option('--json', 'print the plan and result as JSON');
}

export function moverOptionsFrom(
  flags: MoverFlags,
): Required<Pick<MoveOptions, 'slotsPerBatch' | 'keysPerRound' | 'concurrency' | 'migrateTimeoutMs'>> & { readyTimeoutMs: number } {
  return {
    slotsPerBatch: parseCount(flags.batchSlots, '--batch-slots', 1),
    keysPerRound: parseCount(flags.batchKeys, '--batch-keys', 1),
    concurrency: parseCount(flags.concurrency, '--concurrency', 1),
    migrateTimeoutMs: parseMillis(flags.migrateTimeout, '--migrate-timeout'),
    readyTimeoutMs: parseMillis(flags.waitTimeout, '--wait-timeout'),
  };
}

/** First Ctrl-C: finish the batches in flight and stop (no slot left open). Second: exit at once. */
export function stopOnInterrupt(onFirst: () => void): { signal: AbortSignal; dispose: () => void } {
  const ctl = new AbortController();
  const handler = () => {
    if (ctl.signal.aborted) process.exit(130);
    onFirst();
    ctl.abort();
  };
  process.on('SIGINT', handler);
  return { signal: ctl.signal, dispose: () => process.off('SIGINT', handler) };
}

/**
 * Runs a slot plan as reshard and rebalance do: progress bar on stderr, and a
 * first Ctrl-C lets the batches in flight finish (a second quits at once).
 */
export async function runSlotPlanCommand<P extends { moves: SlotMove[] }>(
  flags: MoverFlags & ConnectionFlags,
  nodes: string[],
  plan: SlotPlanOptions<P>['plan'],
  confirm: NonNullable<SlotPlanOptions<P>['confirm']>,
): Promise<SlotPlanResult<P>> {
  const bar = moveProgressBar(flags.json);
  const stop = stopOnInterrupt(() => process.stderr.write('\nstopping after the batches in flight (Ctrl-C again to quit at once)\n'));
  try {
    return await runSlotPlan({
      ...connectionFrom(flags),
      ...moverOptionsFrom(flags),
      seeds: parseAddresses(nodes),
      signal: stop.signal,
      plan,
      confirm,
      onProgress: progressPrinter(flags.json),
      onMove: (p) => bar.update(p),
    });
  } finally {
    bar.done(); // ends the bar's line before any result or error message
    stop.dispose();
  }
}

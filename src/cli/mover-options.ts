/** Flags shared by the commands that move slots (reshard, rebalance). */
import type { Command } from 'commander';
import { MOVER_DEFAULTS, type MoveOptions } from '../ops/slot-mover.js';
import { parseCount, parseMillis } from './options.js';

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
    .option('--batch-keys <n>', 'keys per MIGRATE and per MIGRATE round trip (bounds how long a source is blocked)', String(MOVER_DEFAULTS.keysPerRound))
    .option('--concurrency <n>', 'batches in flight at once (at most 2 per source master)', String(MOVER_DEFAULTS.concurrency))
    .option('--migrate-timeout <duration>', 'MIGRATE timeout', `${MOVER_DEFAULTS.migrateTimeoutMs}ms`)
    .option('--wait-timeout <duration>', 'how long to wait for the cluster to be ready (new nodes known by all, state ok)', '20s')
    .option('-y, --yes', 'run the plan without asking')
    .option('--json', 'print the plan and result as JSON');
}

export function moverOptionsFrom(flags: MoverFlags): Required<Pick<MoveOptions, 'slotsPerBatch' | 'keysPerRound' | 'concurrency' | 'migrateTimeoutMs'>> & { readyTimeoutMs: number } {
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

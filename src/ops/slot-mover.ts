/**
 * moveSlots: runs a plan of slot moves fast. Slots travel in batches (one
 * config save per node per batch, see migrateBatch); up to `concurrency`
 * batches run at once, at most `perSource` per source master, so independent
 * source/target pairs move in parallel and a source's next batch can start
 * while its last one is finishing. On the first failure no new batch starts;
 * the ones in flight finish, then the error is thrown (open slots are left for
 * rck fix, which finishes or rolls each one back).
 */
import { OperationError } from '../errors.js';
import type { NodePool } from '../redis/pool.js';
import { RawPool } from '../redis/raw-pipeline.js';
import type { SlotMove } from '../plan/slot-moves.js';
import { type ObservedNode, nodeCaps } from '../topology/model.js';
import { type MoverPools, migrateBatch } from './migrate-batch.js';
import { type MoverNode, checkScripting } from './slot-scripts.js';

export type { MoverNode } from './slot-scripts.js';

/** A master as the mover needs it: where it is, and whether its engine blocks on SETSLOT. */
export function moverNode(n: ObservedNode): MoverNode {
  return { id: n.id, address: n.address, ...(nodeCaps(n).setslotReplicates ? { setslotReplicates: true } : {}) };
}

/** Defaults measured on the rebalance bench (docs/benchmarks.md, rebalance). */
export const MOVER_DEFAULTS = { slotsPerBatch: 128, concurrency: 6, perSource: 2, keysPerRound: 1000, migrateTimeoutMs: 10_000 };

export interface MoveOptions {
  slotsPerBatch?: number;
  concurrency?: number;
  /** Batches in flight per source master. */
  perSource?: number;
  keysPerRound?: number;
  migrateTimeoutMs?: number;
  onProgress?: (p: MoveProgress) => void;
  /** When aborted, no new batch starts; the ones in flight finish. */
  signal?: AbortSignal;
}

export interface MoveProgress {
  slotsDone: number;
  slotsTotal: number;
  keysDone: number;
}

export interface MoveResult extends MoveProgress {
  elapsedMs: number;
  /** True when stopped through the signal before the plan was done. */
  stopped: boolean;
}

interface Batch {
  from: MoverNode;
  to: MoverNode;
  slots: number[];
}

/** `masters`: every master of the cluster (the ones not in a move are told the new owners too). */
export async function moveSlots(pool: NodePool, masters: MoverNode[], moves: SlotMove[], opts: MoveOptions = {}): Promise<MoveResult> {
  const started = Date.now();
  const o = { ...MOVER_DEFAULTS, ...definedOnly(opts) };
  const byId = new Map(masters.map((m) => [m.id, m]));
  const node = (id: string) => {
    const n = byId.get(id);
    if (!n) throw new OperationError(`node ${id.slice(0, 8)} is not a known master`);
    return n;
  };
  const queue = interleave(moves.map((m) => chunk(m.slots, o.slotsPerBatch).map((slots) => ({ from: node(m.from), to: node(m.to), slots }))));
  const progress: MoveProgress = { slotsDone: 0, slotsTotal: queue.reduce((n, b) => n + b.slots.length, 0), keysDone: 0 };
  const report = () => opts.onProgress?.({ ...progress });
  report();
  const pools: MoverPools = { pool, raw: new RawPool(pool.options) };
  const announcements: Promise<void>[] = [];
  const run = async (b: Batch) => {
    const others = masters.filter((m) => m.id !== b.from.id && m.id !== b.to.id);
    const { announced } = await migrateBatch(pools, b.from, b.to, others, b.slots, {
      keysPerRound: o.keysPerRound,
      migrateTimeoutMs: o.migrateTimeoutMs,
      // MIGRATE logs in to the target as the keeper does.
      profile: pool.options.profile,
      onKeys: (n) => {
        progress.keysDone += n;
        report();
      },
    });
    announcements.push(announced);
    progress.slotsDone += b.slots.length;
    report();
  };
  try {
    await checkScripting((m) => pools.raw.get(m.address), masters);
    let failure = await schedule(queue, run, o.concurrency, o.perSource, opts.signal);
    // The other masters' updates ran in the background; they must all have landed.
    for (const r of await Promise.allSettled(announcements)) if (r.status === 'rejected') failure ??= r.reason;
    if (failure) throw failure;
    return { ...progress, elapsedMs: Date.now() - started, stopped: queue.length > 0 };
  } finally {
    await pools.raw.close();
  }
}

/** Runs batches with the limits; returns the first failure (after the batches in flight settle). */
async function schedule(queue: Batch[], run: (b: Batch) => Promise<void>, concurrency: number, perSource: number, signal?: AbortSignal): Promise<unknown> {
  const busy = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for (;;) {
    while (!failure && !signal?.aborted && running.size < concurrency) {
      const i = queue.findIndex((b) => (busy.get(b.from.id) ?? 0) < perSource);
      if (i < 0) break;
      const b = queue.splice(i, 1)[0]!;
      busy.set(b.from.id, (busy.get(b.from.id) ?? 0) + 1);
      const p: Promise<void> = run(b)
        .catch((err) => {
          failure ??= err;
        })
        .finally(() => {
          busy.set(b.from.id, busy.get(b.from.id)! - 1);
          running.delete(p);
        });
      running.add(p);
    }
    if (running.size === 0) return failure; // done, stopped, or failed with nothing in flight
    await Promise.race(running);
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Round-robin over the pairs, so parallel pairs progress together. */
function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i]!);
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * migrateBatch: moves a batch of slots from one master to another with the
 * cluster spec's protocol, pipelined so each node saves its config once per
 * batch rather than once per slot:
 *   target  SETSLOT s IMPORTING source   (all slots, one pipeline)
 *   source  SETSLOT s MIGRATING target   (all slots, one pipeline)
 *   source  GETKEYSINSLOT + MIGRATE ... KEYS in a Lua script, until every slot is empty
 *   target  SETSLOT s NODE target        (first: it bumps its epoch and owns the slots; see takeOwnership)
 *   source  SETSLOT s NODE target        (refused by Redis if a key is left behind)
 *   others  SETSLOT s NODE target        (in parallel; gossip would do it, but later)
 * A crash at any point leaves slots that rck fix finishes (keys moved) or rolls
 * back (no key moved yet). Keys existing on both sides go through moveSlotKeys,
 * which replaces only identical copies and stops on a differing one.
 */
import { OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { type RawConnection, type RawPool, RespError } from '../redis/raw-pipeline.js';
import { migrateRound } from './migrate-script.js';
import { moveSlotKeys } from './move-keys.js';

export interface MoverNode {
  id: string;
  address: NodeAddress;
}

export interface BatchOptions {
  /** Keys fetched per GETKEYSINSLOT and sent per MIGRATE, and the most keys in one MIGRATE pipeline. */
  keysPerRound: number;
  migrateTimeoutMs: number;
  password?: string;
  onKeys?: (n: number) => void;
}

/** Raw connections for the hot path; the general pool for the rare careful path (keys on both sides). */
export interface MoverPools {
  raw: RawPool;
  pool: NodePool;
}

/**
 * Resolves once source and target agree on the new owner, with the keys moved;
 * `announced` settles when the other masters have been told too (the caller
 * need not wait for it before starting the next batch: gossip carries it anyway).
 */
export async function migrateBatch(
  pools: MoverPools,
  src: MoverNode,
  dst: MoverNode,
  others: MoverNode[],
  slots: number[],
  opts: BatchOptions,
): Promise<{ keys: number; announced: Promise<void> }> {
  const [sc, dc] = await Promise.all([pools.raw.get(src.address), pools.raw.get(dst.address)]);
  await setSlots(dc, dst, slots, ['IMPORTING', src.id]);
  await setSlots(sc, src, slots, ['MIGRATING', dst.id]);
  const keys = await moveKeys(pools, sc, src, dst, slots, opts);
  await takeOwnership(dc, dst, slots);
  await setSlots(sc, src, slots, ['NODE', dst.id], true);
  const announced = Promise.all(others.map(async (o) => setSlots(await pools.raw.get(o.address), o, slots, ['NODE', dst.id], true))).then(() => {});
  announced.catch(() => {}); // handled by the caller; avoid an unhandled rejection meanwhile
  return { keys, announced };
}

/**
 * `lostLastSlot`: a master that gives away its last slot may turn itself into a
 * replica of the taker as soon as it hears of it (cluster-allow-replica-migration),
 * and then refuses SETSLOT. Its keys were moved already; it learns the slot map
 * by gossip, so that refusal is success here.
 */
async function setSlots(c: RawConnection, node: MoverNode, slots: number[], args: string[], lostLastSlot = false): Promise<void> {
  const res = await c.exec(slots.map((s) => ['CLUSTER', 'SETSLOT', String(s), ...args]));
  const i = res.findIndex((r) => r instanceof RespError && !(lostLastSlot && /only with masters/i.test(r.message)));
  if (i >= 0) {
    throw new OperationError(`${formatAddress(node.address)}: CLUSTER SETSLOT ${slots[i]} ${args[0]} failed: ${(res[i] as RespError).message}`, {
      subject: formatAddress(node.address),
    });
  }
}

/**
 * The target takes the slots. SETSLOT NODE on an importing slot makes Redis
 * bump the target's epoch and broadcast a PONG to every node, and each node
 * rescans all 16384 slots on receipt: once per slot, that was over a third of
 * every master's CPU during a rebalance (measured with perf). So all slots but
 * the last are first made STABLE (no longer importing) and then owned, and the
 * last one is owned while still importing, which bumps the epoch if needed and
 * broadcasts once for the batch. MULTI/EXEC keeps it all-or-nothing: a crash
 * leaves every slot importing, as before, for rck fix.
 */
async function takeOwnership(dc: RawConnection, dst: MoverNode, slots: number[]): Promise<void> {
  const last = slots[slots.length - 1]!;
  const quiet = slots.slice(0, -1).flatMap((s) => [
    ['CLUSTER', 'SETSLOT', String(s), 'STABLE'],
    ['CLUSTER', 'SETSLOT', String(s), 'NODE', dst.id],
  ]);
  const res = await dc.exec([['MULTI'], ...quiet, ['CLUSTER', 'SETSLOT', String(last), 'NODE', dst.id], ['EXEC']]);
  const exec = res[res.length - 1];
  const failed = exec instanceof RespError ? exec : Array.isArray(exec) ? exec.find((r) => r instanceof RespError || r instanceof Error) : new RespError('no reply to EXEC');
  if (failed) {
    const where = formatAddress(dst.address);
    throw new OperationError(`${where}: taking slots ${slots[0]}-${last} failed: ${(failed as Error).message}`, { subject: where });
  }
}

/** Empties the slots on the source in bounded script rounds (see migrate-script.ts); returns how many keys moved. */
async function moveKeys(pools: MoverPools, sc: RawConnection, src: MoverNode, dst: MoverNode, slots: number[], opts: BatchOptions): Promise<number> {
  let pending = slots;
  let moved = 0;
  while (pending.length > 0) {
    const round = await migrateRound(sc, src, dst, pending, { budget: opts.keysPerRound, migrateTimeoutMs: opts.migrateTimeoutMs, password: opts.password });
    moved += round.moved;
    if (round.moved > 0) opts.onKeys?.(round.moved);
    if (round.error === undefined) {
      pending = pending.slice(round.resume);
      continue;
    }
    const slot = pending[round.resume]!;
    if (!/BUSYKEY/.test(round.error)) {
      throw new OperationError(
        `moving slot ${slot} from ${formatAddress(src.address)} to ${formatAddress(dst.address)} failed: ${round.error}; ` +
          'the slot is left open: run rck fix to finish the move',
        { subject: formatAddress(src.address) },
      );
    }
    // Some keys exist on both sides: compare them one by one, never overwrite a differing one.
    const [s, d] = await Promise.all([pools.pool.get(src.address), pools.pool.get(dst.address)]);
    const careful = await moveSlotKeys(s, src.address, d, dst.address, slot, { batch: opts.keysPerRound, timeoutMs: opts.migrateTimeoutMs, password: opts.password });
    moved += careful;
    if (careful > 0) opts.onKeys?.(careful);
    pending = pending.slice(round.resume + 1);
  }
  return moved;
}

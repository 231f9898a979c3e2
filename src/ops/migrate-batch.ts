/**
 * migrateBatch: moves a batch of slots from one master to another with the
 * cluster spec's protocol, pipelined so each node saves its config once per
 * batch rather than once per slot:
 *   target  SETSLOT s IMPORTING source   (all slots, one pipeline)
 *   source  SETSLOT s MIGRATING target   (all slots, one pipeline)
 *   source  GETKEYSINSLOT + MIGRATE ... KEYS, until every slot is empty
 *   target  SETSLOT s NODE target        (first: it bumps its epoch and owns the slots)
 *   source  SETSLOT s NODE target        (refused by Redis if a key is left behind)
 *   others  SETSLOT s NODE target        (in parallel; gossip would do it, but later)
 * A crash at any point leaves slots that rck fix finishes (keys moved) or rolls
 * back (no key moved yet). Keys existing on both sides go through moveSlotKeys,
 * which replaces only identical copies and stops on a differing one.
 */
import { OperationError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { type RawConnection, type RawPool, type RespArg, RespError, type RespReply } from '../redis/raw-pipeline.js';
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
  await setSlots(dc, dst, slots, ['NODE', dst.id]);
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

/** Empties the slots on the source; returns how many keys moved. */
async function moveKeys(pools: MoverPools, sc: RawConnection, src: MoverNode, dst: MoverNode, slots: number[], opts: BatchOptions): Promise<number> {
  let pending = slots;
  let moved = 0;
  while (pending.length > 0) {
    const res = await sc.exec(pending.map((s) => ['CLUSTER', 'GETKEYSINSLOT', String(s), String(opts.keysPerRound)]));
    const listed = res.map((r, i) => {
      if (!Array.isArray(r)) throw new OperationError(`${formatAddress(src.address)}: GETKEYSINSLOT ${pending[i]} failed: ${describe(r)}`);
      return { slot: pending[i]!, keys: r as Buffer[] };
    });
    const work = listed.filter((w) => w.keys.length > 0);
    // A slot that returned a full round may have more keys; look again. New keys cannot
    // appear: a migrating source sends writes to missing keys to the target (ASK).
    const next = listed.filter((w) => w.keys.length === opts.keysPerRound).map((w) => w.slot);
    // Bounded pipelines: MIGRATE blocks the source, so keep each round trip short for live clients.
    for (let i = 0; i < work.length; ) {
      const chunk: typeof work = [];
      let n = 0;
      while (i < work.length && (chunk.length === 0 || n + work[i]!.keys.length <= opts.keysPerRound)) {
        n += work[i]!.keys.length;
        chunk.push(work[i++]!);
      }
      moved += await migrateChunk(pools, sc, src, dst, chunk, opts);
      opts.onKeys?.(n);
    }
    pending = next;
  }
  return moved;
}

async function migrateChunk(pools: MoverPools, sc: RawConnection, src: MoverNode, dst: MoverNode, chunk: { slot: number; keys: Buffer[] }[], opts: BatchOptions): Promise<number> {
  const auth = opts.password ? ['AUTH', opts.password] : [];
  const head = ['MIGRATE', dst.address.host, String(dst.address.port), '', '0', String(opts.migrateTimeoutMs), ...auth, 'KEYS'];
  const res = await sc.exec(chunk.map((w): RespArg[] => [...head, ...w.keys]));
  let moved = 0;
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    const r = res[i];
    if (!(r instanceof RespError)) {
      moved += w.keys.length;
      continue;
    }
    if (!/BUSYKEY/.test(r.message)) {
      throw new OperationError(
        `moving slot ${w.slot} from ${formatAddress(src.address)} to ${formatAddress(dst.address)} failed: ${r.message}; ` +
          'the slot is left open: run rck fix to finish the move',
        { subject: formatAddress(src.address) },
      );
    }
    // Some keys already exist on the target: compare them one by one, never overwrite a differing one.
    const [s, d] = await Promise.all([pools.pool.get(src.address), pools.pool.get(dst.address)]);
    moved += await moveSlotKeys(s, src.address, d, dst.address, w.slot, { batch: opts.keysPerRound, timeoutMs: opts.migrateTimeoutMs, password: opts.password });
  }
  return moved;
}

function describe(r: RespReply | undefined): string {
  return r instanceof RespError ? r.message : errorText(r);
}

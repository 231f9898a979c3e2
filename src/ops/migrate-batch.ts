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
import type { Redis } from 'ioredis';
import { OperationError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
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

export async function migrateBatch(pool: NodePool, src: MoverNode, dst: MoverNode, others: MoverNode[], slots: number[], opts: BatchOptions): Promise<number> {
  const [sc, dc] = await Promise.all([pool.get(src.address), pool.get(dst.address)]);
  await setSlots(dc, dst, slots, ['IMPORTING', src.id]);
  await setSlots(sc, src, slots, ['MIGRATING', dst.id]);
  const keys = await moveKeys(sc, src, dc, dst, slots, opts);
  await setSlots(dc, dst, slots, ['NODE', dst.id]);
  await setSlots(sc, src, slots, ['NODE', dst.id]);
  await Promise.all(others.map(async (o) => setSlots(await pool.get(o.address), o, slots, ['NODE', dst.id])));
  return keys;
}

async function setSlots(c: Redis, node: MoverNode, slots: number[], args: string[]): Promise<void> {
  const p = c.pipeline();
  for (const s of slots) p.call('CLUSTER', 'SETSLOT', String(s), ...args);
  const res = (await p.exec()) ?? [];
  const i = res.findIndex(([err]) => err);
  if (i >= 0 || res.length !== slots.length) {
    const why = i >= 0 ? errorText(res[i]![0]) : 'no reply';
    throw new OperationError(`${formatAddress(node.address)}: CLUSTER SETSLOT ${slots[Math.max(0, i)]} ${args[0]} failed: ${why}`, { subject: formatAddress(node.address) });
  }
}

/** Empties the slots on the source; returns how many keys moved. */
async function moveKeys(sc: Redis, src: MoverNode, dc: Redis, dst: MoverNode, slots: number[], opts: BatchOptions): Promise<number> {
  const auth = opts.password ? ['AUTH', opts.password] : [];
  let pending = slots;
  let moved = 0;
  while (pending.length > 0) {
    const p = sc.pipeline();
    for (const s of pending) p.call('CLUSTER', 'GETKEYSINSLOT', String(s), String(opts.keysPerRound));
    const listed = ((await p.exec()) ?? []).map(([err, keys], i) => {
      if (err) throw new OperationError(`${formatAddress(src.address)}: GETKEYSINSLOT ${pending[i]} failed: ${errorText(err)}`);
      return { slot: pending[i]!, keys: keys as string[] };
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
      moved += await migrateChunk(sc, src, dc, dst, chunk, auth, opts);
      opts.onKeys?.(n);
    }
    pending = next;
  }
  return moved;
}

async function migrateChunk(sc: Redis, src: MoverNode, dc: Redis, dst: MoverNode, chunk: { slot: number; keys: string[] }[], auth: string[], opts: BatchOptions): Promise<number> {
  const p = sc.pipeline();
  for (const w of chunk) {
    p.call('MIGRATE', dst.address.host, String(dst.address.port), '', '0', String(opts.migrateTimeoutMs), ...auth, 'KEYS', ...w.keys);
  }
  const res = (await p.exec()) ?? [];
  let moved = 0;
  for (let i = 0; i < chunk.length; i++) {
    const w = chunk[i]!;
    const err = res[i]?.[0];
    if (!err) {
      moved += w.keys.length;
      continue;
    }
    if (!/BUSYKEY/.test(errorText(err))) {
      throw new OperationError(
        `moving slot ${w.slot} from ${formatAddress(src.address)} to ${formatAddress(dst.address)} failed: ${errorText(err)}; ` +
          'the slot is left open: run rck fix to finish the move',
        { subject: formatAddress(src.address) },
      );
    }
    // Some keys already exist on the target: compare them one by one, never overwrite a differing one.
    moved += await moveSlotKeys(sc, src.address, dc, dst.address, w.slot, { batch: opts.keysPerRound, timeoutMs: opts.migrateTimeoutMs, password: opts.password });
  }
  return moved;
}

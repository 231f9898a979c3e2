/**
 * Moves every key of one slot from one node to another with MIGRATE ... KEYS.
 * A key that already exists on the target is replaced only when both copies are
 * identical (DUMP compared); a key that differs stops the move and is reported.
 */
import type { Redis } from 'ioredis';
import { OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import { type ConnectionProfile, migrateAuthArgs } from '../redis/profile.js';

export interface MoveKeysOptions {
  /** Keys per MIGRATE. */
  batch?: number;
  /** MIGRATE timeout in ms. */
  timeoutMs?: number;
  /** The keeper's profile: the source node logs in to the target with it. */
  profile?: ConnectionProfile;
  onKeys?: (moved: number) => void;
}

export async function moveSlotKeys(src: Redis, srcAddr: NodeAddress, dst: Redis, dstAddr: NodeAddress, slot: number, opts: MoveKeysOptions = {}): Promise<number> {
  const batch = opts.batch ?? 100;
  const auth = opts.profile ? migrateAuthArgs(opts.profile) : [];
  let moved = 0;
  for (;;) {
    // Buffers, not strings: a key name that is not valid UTF-8 must come back byte for byte.
    const keys = (await src.callBuffer('CLUSTER', 'GETKEYSINSLOT', String(slot), String(batch))) as Buffer[];
    if (keys.length === 0) return moved;
    try {
      await migrate(src, dstAddr, keys, auth, opts.timeoutMs ?? 10_000, false);
    } catch (err) {
      if (!/BUSYKEY/.test((err as Error).message)) throw wrap(err, srcAddr, dstAddr, slot);
      // Some keys exist on both sides: move the identical ones with REPLACE, refuse the rest.
      for (const key of keys) await moveOneKey(src, srcAddr, dst, dstAddr, key, slot, auth, opts.timeoutMs ?? 10_000);
    }
    moved += keys.length;
    opts.onKeys?.(keys.length);
  }
}

async function migrate(src: Redis, dstAddr: NodeAddress, keys: Buffer[], auth: string[], timeoutMs: number, replace: boolean): Promise<void> {
  // ASKING lets a node that is importing (not owning) the slot run MIGRATE on it.
  const res = await src
    .pipeline()
    .call('ASKING')
    .call('MIGRATE', dstAddr.host, String(dstAddr.port), '', '0', String(timeoutMs), ...(replace ? ['REPLACE'] : []), ...auth, 'KEYS', ...keys)
    .exec();
  const err = res?.[1]?.[0];
  if (err) throw err;
}

async function moveOneKey(src: Redis, srcAddr: NodeAddress, dst: Redis, dstAddr: NodeAddress, key: Buffer, slot: number, auth: string[], timeoutMs: number): Promise<void> {
  const [a, b] = await Promise.all([dumpAsking(src, key), dumpAsking(dst, key)]);
  if (a === null) return; // gone meanwhile (expired or deleted by a client)
  if (b !== null && !a.equals(b)) {
    throw new OperationError(
      `key "${key.toString()}" (slot ${slot}) exists on both ${formatAddress(srcAddr)} and ${formatAddress(dstAddr)} with different values; ` +
        'stopped without overwriting it: keep the right copy by hand, then run rck fix again',
      { subject: key.toString() },
    );
  }
  try {
    await migrate(src, dstAddr, [key], auth, timeoutMs, b !== null);
  } catch (err) {
    throw wrap(err, srcAddr, dstAddr, slot);
  }
}

async function dumpAsking(c: Redis, key: Buffer): Promise<Buffer | null> {
  const res = await c.pipeline().call('ASKING').callBuffer('DUMP', key).exec();
  const [err, value] = res?.[1] ?? [];
  // A migrating source answers ASK for a key it no longer has (ASKING only helps on the
  // importing side): the key is not here. It happens after a MIGRATE that moved some keys.
  if (err && /^ASK /.test((err as Error).message)) return null;
  if (err) throw err;
  return (value as Buffer | null) ?? null;
}

function wrap(err: unknown, src: NodeAddress, dst: NodeAddress, slot: number): OperationError {
  return new OperationError(`moving slot ${slot} keys from ${formatAddress(src)} to ${formatAddress(dst)} failed: ${(err as Error).message}`);
}

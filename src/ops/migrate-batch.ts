/**
 * migrateBatch: moves a batch of slots from one master to another with the
 * cluster spec's protocol, each step one script per node (slot-scripts.ts), so
 * each node saves its config once per batch rather than once per slot:
 *   target  SETSLOT s IMPORTING source
 *   source  SETSLOT s MIGRATING target
 *   source  GETKEYSINSLOT + MIGRATE ... KEYS, in bounded rounds until every slot is empty
 *   target  SETSLOT s NODE target        (first: it bumps its epoch and owns the slots; see takeSlots)
 *   source  SETSLOT s NODE target        (refused by Redis if a key is left behind)
 *   others  SETSLOT s NODE target        (in parallel; gossip would do it, but later)
 * On a node whose engine replicates SETSLOT (Valkey 8: `MoverNode.setslotReplicates`),
 * the SETSLOT steps are plain pipelined commands instead (setslot-commands.ts): SETSLOT
 * blocks there, and blocking inside a script crashes the server.
 * A crash at any point leaves slots that rck fix finishes (keys moved) or rolls
 * back (no key moved yet). Keys existing on both sides go through moveSlotKeys,
 * which replaces only identical copies and stops on a differing one.
 */
import { OperationError } from '../errors.js';
import { formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import type { RawConnection, RawPool } from '../redis/raw-pipeline.js';
import type { ConnectionProfile } from '../redis/profile.js';
import { type MoverNode, type SlotFailure, moveKeysRound, setSlots, takeSlots } from './slot-scripts.js';
import { setSlotsPlain, takeSlotsPlain } from './setslot-commands.js';
import { moveSlotKeys } from './move-keys.js';

export interface BatchOptions {
  /** Keys fetched per GETKEYSINSLOT and sent per MIGRATE, and the most keys in one MIGRATE pipeline. */
  keysPerRound: number;
  migrateTimeoutMs: number;
  /** The keeper's profile: the source node logs in to the target with it (MIGRATE ... AUTH). */
  profile?: ConnectionProfile;
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
  await settle(dst, 'IMPORTING', setOn(pools.raw, dc, dst, slots, 'IMPORTING', src.id));
  await settle(src, 'MIGRATING', setOn(pools.raw, sc, src, slots, 'MIGRATING', dst.id));
  const keys = await moveKeys(pools, sc, src, dst, slots, opts);
  await settle(dst, 'NODE', dst.setslotReplicates ? takeSlotsPlain(pools.raw, dst, slots) : takeSlots(dc, dst, slots));
  await settle(src, 'NODE', setOn(pools.raw, sc, src, slots, 'NODE', dst.id), true);
  const announced = Promise.all(others.map(async (o) => settle(o, 'NODE', setOn(pools.raw, await pools.raw.get(o.address), o, slots, 'NODE', dst.id), true))).then(() => {});
  announced.catch(() => {}); // handled by the caller; avoid an unhandled rejection meanwhile
  return { keys, announced };
}

/** SETSLOT for every slot: in one script, or as plain commands where the engine replicates SETSLOT. */
function setOn(raw: RawPool, c: RawConnection, node: MoverNode, slots: readonly number[], state: 'IMPORTING' | 'MIGRATING' | 'NODE', id: string): Promise<SlotFailure | undefined> {
  return node.setslotReplicates ? setSlotsPlain(raw, node, slots, state, id) : setSlots(c, node, slots, state, id);
}

/**
 * Runs a batch's SETSLOT step and throws on a refusal. `afterOwnerChange`: the
 * target owns the slots and has told the cluster (it bumped its epoch), so the
 * source's and the other masters' SETSLOT NODE only hurry gossip along, and these
 * refusals are success, as in valkey-cli:
 * - a master that gives away its last slot may turn itself into a replica of the
 *   taker as soon as it hears of it (cluster-allow-replica-migration), and then
 *   refuses SETSLOT ("only with masters"/"primaries"), or, blocked waiting for its
 *   replicas meanwhile, is unblocked with UNBLOCKED;
 * - NOREPLICAS: its replicas did not acknowledge in time (one migrated away, or is
 *   slow); the node learns the owner by gossip.
 */
async function settle(node: MoverNode, state: string, step: Promise<SlotFailure | undefined>, afterOwnerChange = false): Promise<void> {
  const failed = await step;
  if (!failed || (afterOwnerChange && /only with (masters|primaries)|^UNBLOCKED|^NOREPLICAS/i.test(failed.error))) return;
  const where = formatAddress(node.address);
  throw new OperationError(`${where}: CLUSTER SETSLOT ${failed.slot} ${state} failed: ${failed.error}`, { subject: where });
}

/** Empties the slots on the source in bounded rounds; returns how many keys moved. */
async function moveKeys(pools: MoverPools, sc: RawConnection, src: MoverNode, dst: MoverNode, slots: number[], opts: BatchOptions): Promise<number> {
  let pending = slots;
  let moved = 0;
  while (pending.length > 0) {
    const round = await moveKeysRound(sc, src, dst, pending, { budget: opts.keysPerRound, migrateTimeoutMs: opts.migrateTimeoutMs, profile: opts.profile });
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
    const careful = await moveSlotKeys(s, src.address, d, dst.address, slot, {
      batch: opts.keysPerRound,
      timeoutMs: opts.migrateTimeoutMs,
      profile: opts.profile,
    });
    moved += careful;
    if (careful > 0) opts.onKeys?.(careful);
    pending = pending.slice(round.resume + 1);
  }
  return moved;
}

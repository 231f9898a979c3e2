/**
 * The slot mover's SETSLOT steps for a node whose engine replicates CLUSTER SETSLOT
 * (capability `setslotReplicates`, Valkey 8): each SETSLOT blocks until the master's
 * replicas acknowledge it, and a blocking command inside a Lua script crashes the
 * server (8.0.1: script.c:586 'c->flag.blocked == 0'). So here the same steps as
 * slot-scripts.ts's `setSlots`/`takeSlots` are plain commands, one pipeline per
 * batch, each with TIMEOUT. A SETSLOT that times out replies NOREPLICAS and was NOT
 * applied on the master (its replicas may have it): the caller decides what that means.
 */
import { formatAddress } from '../redis/address.js';
import { type RawConnection, RespError } from '../redis/raw-pipeline.js';
import { OperationError } from '../errors.js';
import type { MoverNode, SlotFailure } from './slot-scripts.js';

/** How long one SETSLOT waits for the master's replicas (Valkey's default is 2 s). */
export const SETSLOT_REPLICA_TIMEOUT_MS = 5_000;

type Command = string[];

const setslot = (slot: number, ...rest: string[]): Command => ['CLUSTER', 'SETSLOT', String(slot), ...rest, 'TIMEOUT', String(SETSLOT_REPLICA_TIMEOUT_MS)];

/** CLUSTER SETSLOT <slot> <state> <id> TIMEOUT for every slot; the first refusal, if any. */
export function setSlotsPlain(c: RawConnection, node: MoverNode, slots: readonly number[], state: 'IMPORTING' | 'MIGRATING' | 'NODE', id: string): Promise<SlotFailure | undefined> {
  return run(c, node, slots.map((s) => ({ slot: s, command: setslot(s, state, id) })));
}

/**
 * The target takes the slots: SETSLOT NODE on each slot while it is still importing, so
 * each one bumps the target's epoch and is safe from gossip at once. (takeSlots' one
 * broadcast per batch relies on the script being atomic: here each SETSLOT blocks for
 * the replicas and the event loop runs in between, so a slot made STABLE before it is
 * owned was taken back by the source's gossip, whose epoch was higher; measured:
 * 76 of 3,000 slots left uncovered.)
 */
export function takeSlotsPlain(c: RawConnection, dst: MoverNode, slots: readonly number[]): Promise<SlotFailure | undefined> {
  return setSlotsPlain(c, dst, slots, 'NODE', dst.id);
}

/**
 * One pipeline: the node runs the commands in order. Unlike a script it does not stop at
 * a refusal; the first one is returned (the slots after it are set or refused on their
 * own merits, each safe alone: every step is idempotent and rck fix settles the rest).
 */
async function run(c: RawConnection, node: MoverNode, steps: { slot: number; command: Command }[]): Promise<SlotFailure | undefined> {
  if (steps.length === 0) return undefined;
  const replies = await c.exec(steps.map((s) => s.command));
  for (let i = 0; i < steps.length; i++) {
    const r = replies[i];
    if (r instanceof RespError) return { slot: steps[i]!.slot, error: r.message };
    if (r === undefined) {
      const where = formatAddress(node.address);
      throw new OperationError(`${where}: CLUSTER SETSLOT ${steps[i]!.slot} got no reply`, { subject: where });
    }
  }
  return undefined;
}

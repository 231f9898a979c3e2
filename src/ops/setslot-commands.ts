/**
 * The slot mover's SETSLOT steps for a node whose engine replicates CLUSTER SETSLOT
 * (capability `setslotReplicates`, Valkey 8): each SETSLOT blocks until the master's
 * replicas acknowledge it, and a blocking command inside a Lua script crashes the
 * server (8.0.1: script.c:586 'c->flag.blocked == 0'). So here the same steps as
 * slot-scripts.ts's `setSlots`/`takeSlots` are plain commands with TIMEOUT, spread
 * over LANES connections to the node: one connection's commands wait for the replicas
 * one at a time (each also saves nodes.conf, on the master and on each replica), while
 * commands of several connections are replicated, acknowledged and saved together. A SETSLOT that times out replies NOREPLICAS and was NOT
 * applied on the master (its replicas may have it): the caller decides what that means.
 */
import { formatAddress } from '../redis/address.js';
import { type RawPool, RespError } from '../redis/raw-pipeline.js';
import { OperationError } from '../errors.js';
import type { MoverNode, SlotFailure } from './slot-scripts.js';

/** How long one SETSLOT waits for the master's replicas (Valkey's default is 2 s). */
export const SETSLOT_REPLICA_TIMEOUT_MS = 5_000;
/** Connections per node that SETSLOTs are spread over. */
export const LANES = 16;

type Command = string[];

const setslot = (slot: number, ...rest: string[]): Command => ['CLUSTER', 'SETSLOT', String(slot), ...rest, 'TIMEOUT', String(SETSLOT_REPLICA_TIMEOUT_MS)];

/** CLUSTER SETSLOT <slot> <state> <id> TIMEOUT for every slot; the first refusal, if any. */
export function setSlotsPlain(raw: RawPool, node: MoverNode, slots: readonly number[], state: 'IMPORTING' | 'MIGRATING' | 'NODE', id: string): Promise<SlotFailure | undefined> {
  return run(
    raw,
    node,
    slots.map((s) => ({ slot: s, command: setslot(s, state, id) })),
  );
}

/**
 * The target takes the slots: SETSLOT NODE on each slot while it is still importing, so
 * each one bumps the target's epoch and is safe from gossip at once. (takeSlots' one
 * broadcast per batch relies on the script being atomic: here each SETSLOT blocks for
 * the replicas and the event loop runs in between, so a slot made STABLE before it is
 * owned was taken back by the source's gossip, whose epoch was higher; measured:
 * 76 of 3,000 slots left uncovered.)
 */
export function takeSlotsPlain(raw: RawPool, dst: MoverNode, slots: readonly number[]): Promise<SlotFailure | undefined> {
  return setSlotsPlain(raw, dst, slots, 'NODE', dst.id);
}

/**
 * One pipeline per lane, the lanes at once. Unlike a script this does not stop at a
 * refusal; the first one (in slot order) is returned. The other slots are set or refused
 * on their own merits, each safe alone: every step is idempotent and rck fix settles the rest.
 */
async function run(raw: RawPool, node: MoverNode, steps: { slot: number; command: Command }[]): Promise<SlotFailure | undefined> {
  if (steps.length === 0) return undefined;
  const per = Math.ceil(steps.length / LANES);
  const parts = Array.from({ length: Math.ceil(steps.length / per) }, (_, i) => steps.slice(i * per, (i + 1) * per));
  const replies = (await Promise.all(parts.map(async (part, lane) => (await raw.get(node.address, lane)).exec(part.map((s) => s.command))))).flat();
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

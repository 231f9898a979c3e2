/**
 * The slot mover's key-moving step as one Lua script run on the source: it
 * lists each slot's keys (CLUSTER GETKEYSINSLOT) and sends them with MIGRATE
 * ... KEYS on the server itself, so the key names never travel to rck and back.
 * That halves the source's protocol work and takes rck's CPU out of the hot
 * path (measured: see README "Scaling"). Redis runs a script atomically, so a
 * call moves at most `budget` keys and returns where to resume: a live client
 * waits no longer than for one bounded pipeline of MIGRATEs.
 *
 * Cross-slot access is allowed for scripts without a shebang (Redis 7 keeps
 * that for compatibility); each MIGRATE still names keys of one slot only.
 * MIGRATE without REPLACE: a key that exists on the target stops the script
 * at that slot, with the error, for the caller's careful path.
 */
import { OperationError } from '../errors.js';
import { formatAddress } from '../redis/address.js';
import { type RawConnection, RespError } from '../redis/raw-pipeline.js';
import type { MoverNode } from './migrate-batch.js';

// ARGV: host, port, timeout ms, key budget, keys per MIGRATE, password ('' for none), slot...
// Returns {moved, resume index (0-based into the slots), error message or nil}.
const SCRIPT = `
local host, port, timeout = ARGV[1], ARGV[2], ARGV[3]
local budget, per = tonumber(ARGV[4]), tonumber(ARGV[5])
local password = ARGV[6]
local moved = 0
for i = 7, #ARGV do
  local slot = tonumber(ARGV[i])
  while true do
    if moved >= budget then return {moved, i - 7} end
    local keys = redis.call('CLUSTER', 'GETKEYSINSLOT', slot, math.min(per, budget - moved))
    if #keys == 0 then break end
    local before = redis.call('CLUSTER', 'COUNTKEYSINSLOT', slot)
    local r
    if password == '' then
      r = redis.pcall('MIGRATE', host, port, '', 0, timeout, 'KEYS', unpack(keys))
    else
      r = redis.pcall('MIGRATE', host, port, '', 0, timeout, 'AUTH', password, 'KEYS', unpack(keys))
    end
    if type(r) == 'table' and r.err then
      -- MIGRATE ... KEYS deletes the keys it did move: count them (by slot:
      -- a key name no longer here would be an ASK, an error, in a script).
      return {moved + before - redis.call('CLUSTER', 'COUNTKEYSINSLOT', slot), i - 7, r.err}
    end
    moved = moved + #keys
  end
end
return {moved, #ARGV - 6}
`;

/** Lua's unpack() has a stack limit near 8000 values: bound the keys of one MIGRATE well below it. */
const MAX_KEYS_PER_MIGRATE = 1000;

export interface ScriptRound {
  moved: number;
  /** Index into `slots` where the next round starts. */
  resume: number;
  /** Set when MIGRATE failed on slots[resume]. */
  error?: string;
}

/** One bounded round of the script on the source. */
export async function migrateRound(
  sc: RawConnection,
  src: MoverNode,
  dst: MoverNode,
  slots: readonly number[],
  opts: { budget: number; migrateTimeoutMs: number; password?: string },
): Promise<ScriptRound> {
  const per = Math.min(opts.budget, MAX_KEYS_PER_MIGRATE);
  const args = [dst.address.host, String(dst.address.port), String(opts.migrateTimeoutMs), String(opts.budget), String(per), opts.password ?? ''];
  const [reply] = await sc.exec([['EVAL', SCRIPT, '0', ...args, ...slots.map(String)]]);
  if (reply instanceof RespError || !Array.isArray(reply)) {
    const why = reply instanceof RespError ? reply.message : 'an unexpected reply';
    throw new OperationError(`${formatAddress(src.address)}: the key-moving script failed: ${why}`, { subject: formatAddress(src.address) });
  }
  const [moved, resume, error] = reply as [number, number, Buffer | undefined];
  return { moved: Number(moved), resume: Number(resume), error: error === undefined || error === null ? undefined : error.toString() };
}

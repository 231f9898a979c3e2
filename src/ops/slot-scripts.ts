/**
 * The slot mover's per-slot loops as Lua scripts run on the node itself, so a
 * batch of slots costs rck one command per node instead of one per slot
 * (measured: moving 4,096 slots took 1.26 s of rck's CPU as pipelines of single
 * commands, see docs/benchmarks.md, rebalance):
 *   moveKeysRound  CLUSTER GETKEYSINSLOT + MIGRATE ... KEYS, on the source: the
 *                  key names never travel to rck and back
 *   setSlots       CLUSTER SETSLOT <slot> IMPORTING|MIGRATING|NODE <id> for each slot
 *   takeSlots      the target's SETSLOT NODE, one PONG broadcast per batch (see below)
 *   countKeys      the sum of CLUSTER COUNTKEYSINSLOT
 * A script runs atomically: nothing else runs on the node meanwhile, and a
 * crash of rck leaves a script either run whole or not at all. That is why a
 * key-moving round is bounded, by keys and by time, and returns where to resume:
 * a live client waits at most about one round.
 * Scripts without a shebang may touch several slots (Redis 7 keeps that for
 * compatibility); each MIGRATE still names keys of one slot only.
 */
import { NodeCheckError, OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import { type RawConnection, RespError, type RespReply } from '../redis/raw-pipeline.js';
import { type ConnectionProfile, migrateAuthArgs } from '../redis/profile.js';

/** A node the mover talks to: its id and where it is reached. */
export interface MoverNode {
  id: string;
  address: NodeAddress;
  /** Its engine replicates CLUSTER SETSLOT and blocks on it (Capabilities.setslotReplicates): no SETSLOT in scripts. */
  setslotReplicates?: boolean;
}

const where = (n: MoverNode) => formatAddress(n.address);

// ARGV: host, port, timeout ms, key budget, keys per MIGRATE, time budget in
// microseconds, slot... Returns {moved, resume index (0-based into the slots),
// error message or nil}. The credentials are not arguments: Redis keeps the
// arguments of slow commands in SLOWLOG (and scripts' rounds take ~10 ms), where
// it redacts MIGRATE's AUTH but not a script's. MIGRATE's AUTH/AUTH2 arguments are
// written into the script's end instead, as hex, past the 128 characters SLOWLOG
// keeps of an argument.
const MOVE_KEYS = `
-- Replicate effects, not the script (TIME and GETKEYSINSLOT before a write): needed
-- before Redis 7, where it is not the default; a no-op since.
redis.replicate_commands()
local host, port, timeout = ARGV[1], ARGV[2], ARGV[3]
local budget, per = tonumber(ARGV[4]), tonumber(ARGV[5])
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function move(auth)
  local deadline = now() + tonumber(ARGV[6])
  local moved = 0
  for i = 7, #ARGV do
    local slot = tonumber(ARGV[i])
    while true do
      if moved >= budget or (moved > 0 and now() >= deadline) then return {moved, i - 7} end
      local keys = redis.call('CLUSTER', 'GETKEYSINSLOT', slot, math.min(per, budget - moved))
      if #keys == 0 then break end
      local before = redis.call('CLUSTER', 'COUNTKEYSINSLOT', slot)
      local migrate = {'MIGRATE', host, port, '', 0, timeout}
      for _, a in ipairs(auth) do migrate[#migrate + 1] = a end
      migrate[#migrate + 1] = 'KEYS'
      for _, k in ipairs(keys) do migrate[#migrate + 1] = k end
      local r = redis.pcall(unpack(migrate))
      if type(r) == 'table' and r.err then
        -- MIGRATE ... KEYS deletes the keys it did move: count them (by slot:
        -- a key name no longer here would be an ASK, an error, in a script).
        return {moved + before - redis.call('CLUSTER', 'COUNTKEYSINSLOT', slot), i - 7, r.err}
      end
      moved = moved + #keys
    end
  end
  return {moved, #ARGV - 6}
end
local auth = {}
for h in ('AUTH_HEX'):gmatch('[^,]+') do
  auth[#auth + 1] = (h:gsub('..', function(x) return string.char(tonumber(x, 16)) end))
end
return move(auth)
`;

/** The key-moving script for MIGRATE's credentials (memoised: Redis caches one compiled copy per body). */
const moveKeysScript = (() => {
  let last: { hex: string; script: string } | undefined;
  return (auth: readonly string[]) => {
    const hex = auth.map((a) => Buffer.from(a).toString('hex')).join(',');
    if (last?.hex !== hex) last = { hex, script: MOVE_KEYS.replace('AUTH_HEX', hex) };
    return last.script;
  };
})();

/** Lua's unpack() has a stack limit near 8000 values: bound the keys of one MIGRATE well below it. */
const MAX_KEYS_PER_MIGRATE = 1000;
/**
 * A round also ends after this long (checked between MIGRATEs), however few keys it
 * moved: big values take longer per key, and Redis serves no other client meanwhile.
 */
export const ROUND_TIME_BUDGET_MS = 10;

export interface ScriptRound {
  moved: number;
  /** Index into `slots` where the next round starts. */
  resume: number;
  /** Set when MIGRATE failed on slots[resume]. */
  error?: string;
}

/** One bounded round of key moving on the source. */
export async function moveKeysRound(
  sc: RawConnection,
  src: MoverNode,
  dst: MoverNode,
  slots: readonly number[],
  opts: { budget: number; migrateTimeoutMs: number; profile?: ConnectionProfile },
): Promise<ScriptRound> {
  const per = Math.min(opts.budget, MAX_KEYS_PER_MIGRATE);
  const args = [dst.address.host, String(dst.address.port), String(opts.migrateTimeoutMs), String(opts.budget), String(per), String(ROUND_TIME_BUDGET_MS * 1000)];
  const script = moveKeysScript(opts.profile ? migrateAuthArgs(opts.profile) : []);
  const [moved, resume, error] = (await evalScript(sc, src, 'moving keys', script, [...args, ...slots.map(String)])) as [number, number, Buffer | undefined];
  return { moved: Number(moved), resume: Number(resume), error: error === undefined || error === null ? undefined : error.toString() };
}

// ARGV: IMPORTING|MIGRATING|NODE, node id, slot... Returns {} or {index of the failed slot, error}.
const SET_SLOTS = `
for i = 3, #ARGV do
  local r = redis.pcall('CLUSTER', 'SETSLOT', ARGV[i], ARGV[1], ARGV[2])
  if type(r) == 'table' and r.err then return {i - 3, r.err} end
end
return {}
`;

export interface SlotFailure {
  slot: number;
  error: string;
}

/** CLUSTER SETSLOT <slot> <state> <id> for every slot, in order; stops at the first refusal and returns it. */
export async function setSlots(
  c: RawConnection,
  node: MoverNode,
  slots: readonly number[],
  state: 'IMPORTING' | 'MIGRATING' | 'NODE',
  id: string,
): Promise<SlotFailure | undefined> {
  const reply = (await evalScript(c, node, `CLUSTER SETSLOT ${state}`, SET_SLOTS, [state, id, ...slots.map(String)])) as [number, Buffer] | [];
  return reply.length === 0 ? undefined : { slot: slots[Number(reply[0])]!, error: String(reply[1]) };
}

// ARGV: the target's id, slot... Same reply as SET_SLOTS.
const TAKE_SLOTS = `
local function set(i, ...)
  local r = redis.pcall('CLUSTER', 'SETSLOT', ARGV[i], ...)
  if type(r) == 'table' and r.err then return r.err end
end
for i = 2, #ARGV - 1 do
  local err = set(i, 'STABLE') or set(i, 'NODE', ARGV[1])
  if err then return {i - 2, err} end
end
local err = set(#ARGV, 'NODE', ARGV[1])
if err then return {#ARGV - 2, err} end
return {}
`;

/**
 * The target takes the slots. SETSLOT NODE on an importing slot makes Redis
 * bump the target's epoch and broadcast a PONG to every node, and each node
 * rescans all 16384 slots on receipt: once per slot, that was over a third of
 * every master's CPU during a rebalance (measured with perf). So all slots but
 * the last are made STABLE (no longer importing) and then owned, in one atomic
 * script, and the last one is owned while still importing, which bumps the
 * epoch if needed and broadcasts once for the batch.
 */
export async function takeSlots(dc: RawConnection, dst: MoverNode, slots: readonly number[]): Promise<SlotFailure | undefined> {
  const reply = (await evalScript(dc, dst, 'taking slots', TAKE_SLOTS, [dst.id, ...slots.map(String)])) as [number, Buffer] | [];
  return reply.length === 0 ? undefined : { slot: slots[Number(reply[0])]!, error: String(reply[1]) };
}

const COUNT_KEYS = `
local n = 0
for i = 1, #ARGV do n = n + redis.call('CLUSTER', 'COUNTKEYSINSLOT', ARGV[i]) end
return n
`;

/** Keys the node holds in these slots. */
export async function countKeys(c: RawConnection, node: MoverNode, slots: readonly number[]): Promise<number> {
  return Number(await evalScript(c, node, 'counting keys', COUNT_KEYS, slots.map(String)));
}

async function evalScript(c: RawConnection, node: MoverNode, what: string, script: string, args: string[]): Promise<RespReply> {
  const [reply] = await c.exec([['EVAL', script, '0', ...args]]);
  if (reply instanceof RespError || reply === undefined) {
    throw new OperationError(`${where(node)}: ${what} failed: ${reply?.message ?? 'no reply'}`, { subject: where(node) });
  }
  return reply;
}

/**
 * Before anything changes: the node runs scripts. Hardened configs sometimes
 * rename EVAL away; then moving would fail at its first step on that node.
 */
export async function checkScripting(connect: (node: MoverNode) => Promise<RawConnection>, masters: readonly MoverNode[]): Promise<void> {
  await Promise.all(
    masters.map(async (node) => {
      const [reply] = await (await connect(node)).exec([['EVAL', 'return 1', '0']]);
      if (!(reply instanceof RespError) && reply !== undefined) return;
      const why = reply?.message.replace(/, with args beginning with.*/s, '') ?? 'no reply';
      throw new NodeCheckError(
        `${where(node)} refuses scripts (${why}): rck moves slots with short Lua scripts (EVAL); allow EVAL on every master for the move; nothing was changed`,
        { subject: where(node) },
      );
    }),
  );
}

/**
 * Applies one scheduled chaos action to the local cluster, the way a user or the
 * machine would: `rck kill` / `rck restart` through the supervisor's control socket,
 * signals straight to a member's redis-server or to the supervisor, `rck up --detach`
 * after the supervisor died, and the engine's reshard. Each returns what it hit and a
 * predicate telling when the cluster shows the fault happened (a new pid...), so
 * "Ready again" is never the Ready from before the fault.
 */
import { execFile } from 'node:child_process';
import { readlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { errorText } from '../errors.js';
import { runSlotPlan } from '../ops/run-slot-plan.js';
import { planReshard } from '../plan/reshard.js';
import { masterSlots } from '../plan/slot-moves.js';
import { callControl } from '../platform/local/control.js';
import type { LocalStatus, MemberStatus } from '../platform/local/local-status.js';
import { pidAlive } from '../platform/local/process-alive.js';
import type { LocalTarget } from '../platform/local/resolve.js';
import { supervisorPid } from '../platform/local/supervisor.js';
import { parseAddress } from '../redis/address.js';
import type { FaultAction, RoleTarget } from './chaos-schedule.js';
import type { AppliedAction } from './chaos-verdict.js';
import type { ConnectionProfile } from '../redis/profile.js';

const RCK_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface FaultContext {
  target: LocalTarget;
  profile: ConnectionProfile;
  /** The cluster when the fault started. */
  before: LocalStatus;
  /** Aborting ends a freeze early (the member is resumed) and skips waits. */
  signal: AbortSignal;
}

export interface ActionRun {
  applied: AppliedAction;
  /** True once the cluster shows the fault happened (always true when nothing is to be seen). */
  observed: (s: LocalStatus) => boolean;
}

const always = () => true;

export async function applyAction(ctx: FaultContext, action: FaultAction): Promise<ActionRun> {
  if (action.kind === 'supervisor-kill') return killSupervisor(ctx);
  if (action.kind === 'reshard') return reshard(ctx, action);
  const m = resolveTarget(ctx.before, action.target);
  if (!m) return { applied: { kind: action.kind, shard: [], error: `no ${action.target.role} is up` }, observed: always };
  const applied: AppliedAction = { kind: action.kind, member: m.name, role: m.role, shard: shardOf(ctx.before, m) };
  const replaced = (s: LocalStatus) => {
    const now = s.members.find((x) => x.name === m.name);
    return now?.pid !== undefined && now.pid !== m.pid;
  };
  const socket = ctx.target.state.controlSocket;
  try {
    switch (action.kind) {
      case 'kill':
      case 'lose-volume':
        await callControl(socket, { op: 'kill', member: m.name, loseVolume: action.kind === 'lose-volume' }, 60_000);
        return { applied, observed: replaced };
      case 'restart':
        await callControl(socket, { op: 'restart', member: m.name }, 180_000);
        return { applied, observed: always };
      case 'crash':
        await checkMemberPid(ctx.target, m);
        process.kill(m.pid!, 'SIGKILL');
        applied.detail = `pid ${m.pid}`;
        return { applied, observed: replaced };
      case 'freeze':
        await checkMemberPid(ctx.target, m);
        applied.detail = `stopped ${await freeze(m.pid!, action.freezeMs, ctx.signal)} ms`;
        return { applied, observed: always };
    }
  } catch (err) {
    applied.error = errorText(err);
    return { applied, observed: always };
  }
}

/** The `index`-th member (mod how many) that holds `role` and answers, in ordinal order. */
export function resolveTarget(status: LocalStatus, t: RoleTarget): MemberStatus | undefined {
  const holders = status.members.filter((m) => m.up && m.role === t.role && (t.role === 'replica' || m.slots > 0)).sort((a, b) => a.ordinal - b.ordinal);
  return holders.length ? holders[t.index % holders.length] : undefined;
}

/** The member's shard: its master first, then that master's replicas. */
export function shardOf(status: LocalStatus, m: MemberStatus): string[] {
  const master = m.role === 'replica' && m.master ? m.master : m.name;
  return [master, ...status.members.filter((x) => x.role === 'replica' && x.master === master).map((x) => x.name)];
}

/** Pids stopped by a freeze and not resumed yet: resumed on any exit of this process. */
const frozen = new Set<number>();
let resumeOnExit = false;

/** SIGSTOP, then SIGCONT after `ms` (sooner when aborted); returns how long the member was stopped. */
async function freeze(pid: number, ms: number, signal: AbortSignal): Promise<number> {
  if (!resumeOnExit) {
    resumeOnExit = true;
    process.once('exit', resumeFrozenMembers);
  }
  frozen.add(pid);
  const started = Date.now();
  try {
    process.kill(pid, 'SIGSTOP');
    await sleep(ms, signal);
  } finally {
    resume(pid);
  }
  return Date.now() - started;
}

/** SIGCONT to every member a freeze still holds (an interrupted run must not leave one stopped). */
export function resumeFrozenMembers(): void {
  for (const pid of [...frozen]) resume(pid);
}

function resume(pid: number): void {
  frozen.delete(pid);
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    /* gone */
  }
}

/** Refuses to signal a pid that is not this member's redis-server (Linux: it runs in its volume). */
async function checkMemberPid(t: LocalTarget, m: MemberStatus): Promise<void> {
  if (m.pid === undefined || !pidAlive(m.pid)) throw new Error(`${m.name} has no live pid`);
  const cwd = await readlink(`/proc/${m.pid}/cwd`).catch(() => undefined);
  if (cwd !== undefined && cwd !== resolve(t.state.memberData(m.name))) {
    throw new Error(`pid ${m.pid} does not run in ${m.name}'s volume: not signalled`);
  }
}

/** SIGKILL of the supervisor (its pid from supervisor.json), then `rck up --detach` as a user would run it. */
async function killSupervisor(ctx: FaultContext): Promise<ActionRun> {
  const applied: AppliedAction = { kind: 'supervisor-kill', shard: [] };
  const pid = await supervisorPid(ctx.target.state);
  if (pid === undefined) {
    applied.error = 'no supervisor is running';
    return { applied, observed: always };
  }
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(20);
  const upStarted = Date.now();
  const up = await runRck(['up', '--detach', '--state-dir', ctx.target.state.dir]);
  applied.detail = `pid ${pid}; rck up took ${((Date.now() - upStarted) / 1000).toFixed(1)} s`;
  if (up.code !== 0) {
    const last = (s: string) => s.trim().split('\n').pop() ?? '';
    applied.error = `rck up exited ${up.code}: ${last(up.stderr) || last(up.stdout)}`;
  }
  return { applied, observed: (s) => s.supervisor !== null && s.supervisor.pid !== pid };
}

function runRck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [RCK_MAIN, ...args], { env: process.env, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Moves slots from one master to another with the engine (the slot mover `rck reshard` uses). */
async function reshard(ctx: FaultContext, a: Extract<FaultAction, { kind: 'reshard' }>): Promise<ActionRun> {
  const from = resolveTarget(ctx.before, { role: 'master', index: a.from });
  const to = resolveTarget(ctx.before, { role: 'master', index: a.to });
  const applied: AppliedAction = { kind: 'reshard', member: from?.name, role: 'master', to: to?.name, shard: [] };
  if (!from?.nodeId || !to?.nodeId || from.name === to.name) {
    applied.error = 'two masters are needed';
    return { applied, observed: always };
  }
  try {
    const r = await runSlotPlan({
      seeds: ctx.before.members.filter((m) => m.up).map((m) => parseAddress(m.address)),
      profile: ctx.profile,
      timeoutMs: 3000,
      readyTimeoutMs: 30_000,
      plan: (model) => {
        const masters = masterSlots(model);
        const owned = masters.find((m) => m.id === from.nodeId)?.slots.length ?? 0;
        const count = Math.min(a.slots, owned - 1); // a master keeps at least one slot
        return count < 1 ? { moves: [], alreadyOnTarget: [] } : planReshard(masters, { to: to.nodeId!, from: [from.nodeId!], count });
      },
    });
    applied.detail = r.applied ? `${r.result?.slotsDone ?? 0} slots, ${r.result?.keysDone ?? 0} keys` : 'nothing to move';
  } catch (err) {
    applied.error = errorText(err);
  }
  return { applied, observed: always };
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

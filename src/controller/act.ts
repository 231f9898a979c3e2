/**
 * Runs the planner's actions against Redis. Each is small and idempotent; the
 * destructive ones (forget, promote) re-check what they rely on right before
 * acting, since the observation they were planned on may be a pass old.
 */
import { OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import type { Redis } from 'ioredis';
import { createCluster } from '../ops/create.js';
import { fixCluster } from '../ops/fix.js';
import { promoteReplica } from '../ops/crash-failover.js';
import { holdFailover } from '../ops/failover-hold.js';
import { pollUntil } from '../ops/wait.js';
import { moveSlots, moverNode } from '../ops/slot-mover.js';
import type { SlotMove } from '../plan/slot-moves.js';
import type { HealAction } from '../plan/heal/index.js';
import { readNode } from '../topology/observe.js';
import type { Observation } from '../topology/observation.js';
import type { DesiredShape } from '../spec/desired-shape.js';
import { admitSteps } from '../spec/keeper-users.js';
import { observe } from './observe.js';
import type { ClusterPlatform } from './cluster-platform.js';

export interface ActContext {
  pool: NodePool;
  source: ClusterPlatform;
  desired: DesiredShape;
  /** The observation the actions were planned on. */
  obs: Observation;
  /** Aborted when the controller stops: a slot move stops between batches (nothing left open). */
  signal?: AbortSignal;
}

const STEP_TIMEOUT_MS = 10_000;

export async function act(action: HealAction, ctx: ActContext): Promise<void> {
  switch (action.kind) {
    case 'create':
      return createFromMembers(ctx);
    case 'meet': {
      const c = await ctx.pool.get(memberAddress(ctx, action.member));
      await c.call('CLUSTER', 'MEET', action.to.host, String(action.to.port));
      return;
    }
    case 'forget':
      return forgetEverywhere(action.nodeId, ctx);
    case 'join-replica':
      return joinAsReplica(action.member, action.masterId, ctx);
    case 'replicate': {
      const c = await ctx.pool.get(memberAddress(ctx, action.member));
      await c.call('CLUSTER', 'REPLICATE', action.masterId);
      return;
    }
    case 'promote':
      return promote(action.member, action.masterId, action.mode, ctx);
    case 'fix-slots': {
      const seeds = ctx.obs.members.filter((m) => m.node).map((m) => m.address);
      await fixCluster({ seeds, profile: ctx.pool.options.profile, confirm: async () => true });
      return;
    }
    case 'planned-failover':
      return plannedFailover(action.member, ctx);
    case 'restart-member':
      return restartMember(action.member, ctx);
    case 'announce': {
      const c = await ctx.pool.get(memberAddress(ctx, action.member));
      await c.config('SET', 'cluster-announce-hostname', action.hostname, 'cluster-preferred-endpoint-type', action.preferred);
      return;
    }
    case 'set-member-count':
      return setMemberCount(action.count, ctx);
    case 'join-master':
      return joinAsMaster(action.member, ctx);
    case 'move-slots':
      return moveSlotsNow(action.moves, ctx);
    case 'retire':
      return retire(action.members, ctx);
    case 'crash-failover':
      return crashFailover(action.member, action.masterId, action.mode, ctx);
    case 'hold-failover': {
      const replicas = action.replicas.map((r) => ({ member: r, address: memberAddress(ctx, r) }));
      const unreachable = await holdFailover(ctx.pool, replicas);
      if (unreachable.length > 0) throw new OperationError(`could not hold failover off on ${unreachable.join(', ')}`);
      return;
    }
    case 'promote-copy':
      return promoteCopy(action.member, action.emptyMember, action.masterId, ctx);
    case 'admit':
      return admit(action.member, ctx);
    case 'restore-settings': {
      const c = await ctx.pool.get(memberAddress(ctx, action.member));
      await c.config('SET', 'cluster-node-timeout', String(ctx.desired.nodeTimeoutMs));
      await c.config('SET', 'cluster-replica-no-failover', ctx.desired.replicaNoFailover ? 'yes' : 'no');
      return;
    }
    default:
      // A new action kind without a case here fails to compile, instead of being "done" by doing nothing.
      return unknownAction(action);
  }
}

function unknownAction(action: never): never {
  throw new OperationError(`no executor for heal action ${JSON.stringify(action)}`);
}

function memberAddress(ctx: ActContext, name: string): NodeAddress {
  const m = ctx.obs.members.find((x) => x.name === name);
  if (!m) throw new OperationError(`unknown member ${name}`);
  return m.address;
}

async function createFromMembers(ctx: ActContext): Promise<void> {
  const members = [...ctx.obs.members].sort((a, b) => a.ordinal - b.ordinal);
  await createCluster({
    nodes: members.map((m) => ({ address: m.address, domain: m.domain })),
    replicasPerMaster: ctx.desired.replicasPerMaster,
    placement: ctx.desired.placement,
    profile: ctx.pool.options.profile,
  });
}

/** Re-observes, then FORGETs on every node unless a member carries the id again or it owns slots. */
async function forgetEverywhere(id: string, ctx: ActContext): Promise<void> {
  const fresh = await observe(ctx.source, ctx.pool);
  if (fresh.members.some((m) => !m.node)) throw new OperationError(`not forgetting ${id.slice(0, 8)}: a member stopped answering since the plan`);
  if (fresh.members.some((m) => m.node?.id === id)) throw new OperationError(`not forgetting ${id.slice(0, 8)}: a member carries it again`);
  const owns = fresh.members.some((m) => m.node?.table.some((l) => l.id === id && l.slots.length > 0));
  if (owns) throw new OperationError(`not forgetting ${id.slice(0, 8)}: it owns slots`);
  // All nodes within the 60 s ban window, or gossip brings it back.
  await Promise.all(
    fresh.members.map(async (m) => {
      if (!m.node?.table.some((l) => l.id === id)) return;
      await forget(await ctx.pool.get(m.address), m.name, id);
    }),
  );
}

/**
 * Scales the platform. Shrinking deletes the removed members (locally, their volumes):
 * re-observe first, and refuse if one of them is part of the cluster again.
 */
async function setMemberCount(count: number, ctx: ActContext): Promise<void> {
  if (!ctx.source.setMemberCount) throw new OperationError('this platform cannot change the number of members');
  const fresh = await observe(ctx.source, ctx.pool);
  const back = fresh.members.filter((m) => m.ordinal >= count && m.node && (m.node.table.length > 1 || (m.node.self?.slots.length ?? 0) > 0));
  if (back.length > 0) throw new OperationError(`not removing ${back.map((m) => m.name).join(', ')}: part of the cluster again since the plan`);
  await ctx.source.setMemberCount(count);
}

/**
 * Every in-cluster member MEETs the newcomer at once (as create does: gossip would
 * take a while, and the meet rule would then re-introduce them one pass at a time).
 */
async function meetFromAll(member: string, ctx: ActContext): Promise<{ addr: NodeAddress; peers: number }> {
  const addr = memberAddress(ctx, member);
  const peers = ctx.obs.members.filter((m) => m.node && m.name !== member && m.node.table.length > 1);
  if (peers.length === 0) throw new OperationError(`${member}: no member of the cluster answers to introduce it`);
  await Promise.all(peers.map(async (p) => (await ctx.pool.get(p.address)).call('CLUSTER', 'MEET', addr.host, String(addr.port))));
  return { addr, peers: peers.length };
}

/** The newcomer joins as a master without slots; waits until it knows every other in-cluster node. */
async function joinAsMaster(member: string, ctx: ActContext): Promise<void> {
  const { addr, peers } = await meetFromAll(member, ctx);
  const ok = await pollUntil(async () => (Number((await readNode(ctx.pool, addr)).clusterInfo.get('cluster_known_nodes')) >= peers + 1 ? true : undefined), {
    deadline: Date.now() + STEP_TIMEOUT_MS,
    intervalMs: 20,
  });
  if (!ok) throw new OperationError(`${member}: did not learn the cluster within ${STEP_TIMEOUT_MS / 1000} s of MEET`);
}

/** The engine's slot mover over the masters of the observation (re-checked: no slot may be open). */
async function moveSlotsNow(moves: SlotMove[], ctx: ActContext): Promise<void> {
  const fresh = await observe(ctx.source, ctx.pool);
  const open = fresh.members.filter((m) => (m.node?.self?.migrating.size ?? 0) + (m.node?.self?.importing.size ?? 0) > 0);
  if (open.length > 0) throw new OperationError(`not moving slots: ${open.map((m) => m.name).join(', ')} have slots open since the plan`);
  const masters = fresh.members.flatMap((m) => (m.node?.self?.role === 'master' ? [{ ...moverNode(m.node), address: m.address }] : []));
  await moveSlots(ctx.pool, masters, moves, { signal: ctx.signal });
}

/**
 * Scale-in: every kept node FORGETs the leaving nodes at once (the 60 s ban
 * keeps gossip from bringing them back), then each leaving node is RESET HARD
 * so it forgets the cluster and, on its retained volume, can never rejoin.
 */
async function retire(members: string[], ctx: ActContext): Promise<void> {
  const fresh = await observe(ctx.source, ctx.pool);
  const leaving = fresh.members.filter((m) => members.includes(m.name));
  const kept = fresh.members.filter((m) => !members.includes(m.name) && m.node);
  const ids = leaving.flatMap((m) => (m.node ? [m.node.id] : []));
  for (const k of kept) {
    const owns = k.node!.table.find((l) => ids.includes(l.id) && l.slots.length > 0);
    if (owns) throw new OperationError(`not retiring: ${owns.id.slice(0, 8)} owns slots in ${k.name}'s view`);
  }
  await Promise.all(
    kept.map(async (k) => {
      const c = await ctx.pool.get(k.address);
      for (const id of ids) {
        if (!k.node!.table.some((l) => l.id === id)) continue;
        await forget(c, k.name, id);
      }
    }),
  );
  for (const m of leaving) {
    if (!m.node) continue;
    const c = await ctx.pool.get(m.address);
    // A replica's dataset is flushed by the reset; it holds only copies of slots kept elsewhere.
    await c.call('CLUSTER', 'RESET', 'HARD');
  }
}

/** Every in-cluster member MEETs the newcomer; once it knows its master, REPLICATE. */
async function joinAsReplica(member: string, masterId: string, ctx: ActContext): Promise<void> {
  if (!ctx.obs.members.some((m) => m.node?.id === masterId)) throw new OperationError(`${member}: master ${masterId.slice(0, 8)} does not answer`);
  const { addr } = await meetFromAll(member, ctx);
  const c = await ctx.pool.get(addr);
  const ok = await pollUntil(
    async () => {
      await c.call('CLUSTER', 'REPLICATE', masterId);
      return true;
    },
    { deadline: Date.now() + STEP_TIMEOUT_MS, intervalMs: 20 },
  );
  if (!ok) throw new OperationError(`${member}: did not learn master ${masterId.slice(0, 8)} within ${STEP_TIMEOUT_MS / 1000} s of MEET`);
}

/**
 * Promotes a replica of a master that is gone. Refuses if the master answers at
 * its last known address, or if a replica already took over since the plan.
 */
async function promote(member: string, masterId: string, mode: 'force' | 'takeover', ctx: ActContext): Promise<void> {
  const fresh = await observe(ctx.source, ctx.pool);
  if (fresh.members.some((m) => m.node?.id === masterId)) throw new OperationError(`not promoting ${member}: its master is back`);
  const me = fresh.members.find((m) => m.name === member);
  if (me?.node?.self?.role !== 'replica' || me.node.self.masterId !== masterId) {
    throw new OperationError(`not promoting ${member}: it no longer replicates ${masterId.slice(0, 8)}`);
  }
  const known = me.node.table.find((l) => l.id === masterId);
  if (known?.host && (await answersAsMaster({ host: known.host, port: known.port }, masterId, ctx))) {
    throw new OperationError(`not promoting ${member}: master ${masterId.slice(0, 8)} answers at ${known.host}:${known.port}`);
  }
  const c = await ctx.pool.get(me.address);
  await c.call('CLUSTER', 'FAILOVER', mode.toUpperCase());
  await waitMaster(me.address, member, ctx);
}

async function answersAsMaster(addr: NodeAddress, id: string, ctx: ActContext): Promise<boolean> {
  try {
    const n = await readNode(ctx.pool, addr);
    return n.id === id && n.self?.role === 'master';
  } catch {
    ctx.pool.forget(addr);
    return false;
  }
}

/** The platform restarts it (Kubernetes: deletes the pod, which its StatefulSet re-creates from the new template). */
async function restartMember(member: string, ctx: ActContext): Promise<void> {
  if (!ctx.source.restartMember) throw new OperationError(`this platform cannot restart ${member} on its own`);
  ctx.pool.forget(memberAddress(ctx, member));
  await ctx.source.restartMember(member);
}

async function plannedFailover(member: string, ctx: ActContext): Promise<void> {
  const addr = memberAddress(ctx, member);
  const c = await ctx.pool.get(addr);
  await c.call('CLUSTER', 'FAILOVER');
  await waitMaster(addr, member, ctx);
}

async function waitMaster(addr: NodeAddress, member: string, ctx: ActContext): Promise<void> {
  const ok = await pollUntil(async () => ((await readNode(ctx.pool, addr)).self?.role === 'master' ? true : undefined), {
    deadline: Date.now() + STEP_TIMEOUT_MS,
    intervalMs: 20,
  });
  if (!ok) throw new OperationError(`${member} (${formatAddress(addr)}) did not become master within ${STEP_TIMEOUT_MS / 1000} s`);
}

/** CLUSTER FORGET on one node; a node that does not know the id any more is fine. */
async function forget(c: Redis, member: string, id: string): Promise<void> {
  await c.call('CLUSTER', 'FORGET', id).catch((err: Error) => {
    if (!/Unknown node/i.test(err.message)) throw new OperationError(`${member}: CLUSTER FORGET ${id.slice(0, 8)} failed: ${err.message}`);
  });
}

/**
 * The copy takes over from a master that restarted without its data. Re-checked right
 * before: the empty master is still closed and still the replica's master.
 */
async function promoteCopy(member: string, emptyMember: string, masterId: string, ctx: ActContext): Promise<void> {
  const empty = await readNode(ctx.pool, memberAddress(ctx, emptyMember));
  if (!empty.admissionPending || empty.id !== masterId || empty.self?.role !== 'master') {
    throw new OperationError(`not promoting ${member}: ${emptyMember} is no longer a closed master with id ${masterId.slice(0, 8)}`);
  }
  const addr = memberAddress(ctx, member);
  const me = await readNode(ctx.pool, addr);
  if (me.self?.role !== 'replica' || me.self.masterId !== masterId) throw new OperationError(`not promoting ${member}: it no longer replicates ${masterId.slice(0, 8)}`);
  await promoteReplica(ctx.pool, addr, 'force');
}

/**
 * Opens a closed member: the users it started with closed get every command back (+@all keeps
 * their passwords) or are turned on, the keeper's own last (spec/keeper-users.ts says why).
 */
async function admit(member: string, ctx: ActContext): Promise<void> {
  const addr = memberAddress(ctx, member);
  const n = await readNode(ctx.pool, addr);
  if (!n.admissionPending) return;
  if (n.self?.role === 'replica' && !n.replication.masterLinkUp) throw new OperationError(`not admitting ${member}: its sync from ${n.self.masterId?.slice(0, 8)} is not done`);
  const c = await ctx.pool.get(addr);
  const existing = ((await c.call('ACL', 'USERS')) as unknown[]).map(String);
  const steps = admitSteps(existing, { defaultUserOn: ctx.desired.defaultUserOn ?? true, users: ctx.desired.aclUsers ?? [] });
  for (const [user, ...rules] of steps) await c.call('ACL', 'SETUSER', user!, ...rules);
}

/** Promotes the in-sync replica of a master that crashed; re-checked: it still replicates it, its link still down. */
async function crashFailover(member: string, masterId: string, mode: 'force' | 'takeover', ctx: ActContext): Promise<void> {
  const addr = memberAddress(ctx, member);
  const me = await readNode(ctx.pool, addr);
  if (me.self?.role !== 'replica' || me.self.masterId !== masterId) throw new OperationError(`not promoting ${member}: it no longer replicates ${masterId.slice(0, 8)}`);
  if (me.replication.masterLinkUp) throw new OperationError(`not promoting ${member}: its master ${masterId.slice(0, 8)} is back (link up)`);
  await promoteReplica(ctx.pool, addr, mode);
}

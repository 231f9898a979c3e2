/**
 * createCluster: turns empty cluster-enabled nodes into a cluster.
 * Validate everything first (change nothing on failure), then in parallel per
 * node: config epoch + slots, MEET every pair (no reliance on gossip), REPLICATE
 * as soon as each replica knows its master, and poll fast until converged.
 */
import { OperationError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress, resolveIp } from '../redis/address.js';
import type { ConnectOptions } from '../redis/connection.js';
import { NodePool } from '../redis/pool.js';
import { type ConvergenceProblem, type ExpectedShape, convergenceProblems } from '../plan/convergence.js';
import { type CreateLayout, type Placement, planCreate } from '../plan/create.js';
import { domainOf } from '../topology/model.js';
import type { ClusterModel, ObservedNode } from '../topology/model.js';
import { observeCluster } from '../topology/observe.js';
import { explainReplicaWait } from '../plan/replica-wait.js';
import { applyBootstrapSettings } from './bootstrap-settings.js';
import { busPortReachable } from './bus-probe.js';
import { readReplicaWaitFacts } from './replica-facts.js';
import { assertDistinct, readEmptyNodes } from './validate-nodes.js';
import { pollUntil } from './wait.js';

export interface CreateNodeInput {
  address: NodeAddress;
  /** Failure domain (zone, host); defaults to the host part of the address. */
  domain?: string;
}

export interface CreateOptions extends ConnectOptions {
  nodes: CreateNodeInput[];
  replicasPerMaster: number;
  placement?: Placement;
  /** Overall deadline for the cluster to converge, default 30 s. */
  convergeTimeoutMs?: number;
  /** Also wait for every replica's initial sync (default true). */
  waitForSync?: boolean;
  onProgress?: (line: string) => void;
  /** Called with the plan before anything changes. */
  onPlan?: (layout: CreateLayout) => void;
}

export interface CreateResult {
  layout: CreateLayout;
  /** address -> node id */
  nodeIds: Map<string, string>;
  elapsedMs: number;
  /** The observation that found the cluster converged (callers may judge it without observing again). */
  model: ClusterModel;
}

export async function createCluster(opts: CreateOptions): Promise<CreateResult> {
  const started = Date.now();
  const progress = opts.onProgress ?? (() => {});
  const addrs = opts.nodes.map((n) => n.address);
  assertDistinct(addrs);
  const domains = new Map(opts.nodes.filter((n) => n.domain).map((n) => [formatAddress(n.address), n.domain!]));
  // Plan before touching the network: a bad size is an input error, whatever the nodes say.
  const layout = planCreate(
    opts.nodes.map((n) => ({ address: n.address, domain: domainOf(n.address, domains) })),
    opts.replicasPerMaster,
    opts.placement,
  );
  const pool = new NodePool({ profile: opts.profile, timeoutMs: opts.timeoutMs });
  try {
    progress(`checking ${addrs.length} nodes`);
    const observed = await readEmptyNodes(pool, addrs, { replicasPerMaster: opts.replicasPerMaster, profile: opts.profile, timeoutMs: opts.timeoutMs });
    const byAddr = new Map(observed.map((n) => [formatAddress(n.address), n]));
    opts.onPlan?.(layout);
    const idOf = (a: NodeAddress) => byAddr.get(formatAddress(a))!.id;

    let model: ClusterModel;
    const settings = await applyBootstrapSettings(
      pool,
      addrs,
      layout.shards.map((s) => s.master.address),
    );
    try {
      progress('assigning config epochs and slots');
      await assignEpochsAndSlots(pool, layout, observed);

      progress('introducing every node to every other');
      await meetAll(pool, observed);

      const deadline = started + (opts.convergeTimeoutMs ?? 30_000);
      const replicaOf = new Map<string, string>();
      for (const s of layout.shards) for (const r of s.replicas) replicaOf.set(idOf(r.address), idOf(s.master.address));
      progress(`attaching ${replicaOf.size} replica(s)`);
      await attachReplicas(pool, layout, idOf, deadline);

      const expected: ExpectedShape = { ids: observed.map((n) => n.id), replicaOf, replicasSynced: opts.waitForSync ?? true };
      const masterOf = new Map(layout.shards.flatMap((s) => s.replicas.map((r) => [formatAddress(r.address), { replica: r.address, master: s.master.address }] as const)));
      progress('waiting for the cluster to converge');
      model = await waitConverged(pool, addrs, expected, { started, deadline, timeoutMs: opts.convergeTimeoutMs ?? 30_000, masterOf }, progress);
    } finally {
      const failed = await settings.restore();
      if (failed.length > 0) progress(`warning: could not put back the settings create changed while building: ${failed.join('; ')}`);
    }

    const elapsedMs = Date.now() - started;
    progress(`cluster created in ${elapsedMs} ms`);
    return { layout, nodeIds: new Map(observed.map((n) => [formatAddress(n.address), n.id])), elapsedMs, model };
  } finally {
    await pool.close();
  }
}

async function assignEpochsAndSlots(pool: NodePool, layout: CreateLayout, observed: ObservedNode[]): Promise<void> {
  const slotsOf = new Map(layout.shards.map((s) => [formatAddress(s.master.address), s.slots]));
  await Promise.all(
    observed.map(async (n, i) => {
      const c = await pool.get(n.address);
      const p = c.pipeline().call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
      const slots = slotsOf.get(formatAddress(n.address));
      if (slots) p.call('CLUSTER', 'ADDSLOTSRANGE', String(slots.start), String(slots.end));
      await execOrThrow(p, formatAddress(n.address));
    }),
  );
}

/** MEET from every node to every other, so no join waits on gossip. */
async function meetAll(pool: NodePool, observed: ObservedNode[]): Promise<void> {
  const ips = await Promise.all(observed.map((n) => resolveIp(n.address.host)));
  await Promise.all(
    observed.map(async (n, i) => {
      const c = await pool.get(n.address);
      const p = c.pipeline();
      observed.forEach((peer, j) => {
        if (j !== i) p.call('CLUSTER', 'MEET', ips[j]!, String(peer.address.port), String(peer.self?.busPort || peer.address.port + 10000));
      });
      await execOrThrow(p, formatAddress(n.address));
    }),
  );
}

async function attachReplicas(pool: NodePool, layout: CreateLayout, idOf: (a: NodeAddress) => string, deadline: number): Promise<void> {
  const jobs = layout.shards.flatMap((s) => s.replicas.map((r) => ({ replica: r.address, masterId: idOf(s.master.address) })));
  await Promise.all(
    jobs.map(async ({ replica, masterId }) => {
      const c = await pool.get(replica);
      let lastError = '';
      const ok = await pollUntil(
        async () => {
          try {
            await c.call('CLUSTER', 'REPLICATE', masterId);
            return true;
          } catch (err) {
            // "Unknown node": the handshake with the master has not completed yet.
            lastError = (err as Error).message;
            return undefined;
          }
        },
        { deadline, intervalMs: 10 },
      );
      if (!ok) {
        throw new OperationError(`${formatAddress(replica)}: could not become a replica of ${masterId.slice(0, 8)}: ${lastError}`, {
          subject: formatAddress(replica),
        });
      }
    }),
  );
}

interface WaitLimits {
  started: number;
  deadline: number;
  timeoutMs: number;
  /** replica host:port -> its address and the master it should follow */
  masterOf: ReadonlyMap<string, { replica: NodeAddress; master: NodeAddress }>;
}

async function waitConverged(pool: NodePool, addrs: NodeAddress[], expected: ExpectedShape, limits: WaitLimits, progress: (line: string) => void): Promise<ClusterModel> {
  const { deadline, timeoutMs } = limits;
  let lastReport = Date.now();
  let last = convergenceProblems({ nodes: [], unreachable: [], observedAt: 0 }, expected);
  const converged = await pollUntil(
    async () => {
      const model = await observeCluster(addrs, { pool, seedsOnly: true });
      last = convergenceProblems(model, expected);
      if (last.length > 0 && Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        progress(`still waiting: ${summarize(last)}`);
      }
      return last.length === 0 ? model : undefined;
    },
    // Every 10 ms: the masters turn ok at a cluster cron tick, and the time until we see it adds to every create.
    { deadline, intervalMs: 10 },
  );
  if (converged) return converged;
  const hints: string[] = [];
  const explained = await Promise.all(
    last.map(async (p) => {
      const pair = limits.masterOf.get(p.node);
      if (pair && /initial sync|replication link/.test(p.reason)) {
        // Read the cause from the replica's and its master's replication state and logs.
        const cause = explainReplicaWait(await readReplicaWaitFacts(pool, pair.replica, pair.master, limits.started));
        hints.push(cause.hint);
        return `${p.node}: ${p.reason}: ${cause.reason}`;
      }
      if (p.peer && !(await busPortReachable(p.peer.host, p.peer.busPort))) {
        hints.push('nodes must reach each other on the cluster bus port (port + 10000); check firewalls and cluster-announce-ip');
        return `${p.node}: ${p.reason} (bus port ${p.peer.host}:${p.peer.busPort} is unreachable)`;
      }
      return `${p.node}: ${p.reason}`;
    }),
  );
  const unique = [...new Set(explained)];
  throw new OperationError(`the cluster did not converge within ${timeoutMs} ms: ${unique.slice(0, 5).join('; ')}${unique.length > 5 ? ` (+${unique.length - 5} more)` : ''}`, {
    detail: unique.join('\n'),
    hint: hints[0] ?? "the nodes may still be converging: see `rck check` on any node and the nodes' logs; on a slow machine raise --wait-timeout",
  });
}

function summarize(problems: ConvergenceProblem[]): string {
  const text = problems
    .slice(0, 3)
    .map((p) => `${p.node} ${p.reason}`)
    .join('; ');
  const more = problems.length > 3 ? ` (+${problems.length - 3} more)` : '';
  // Redis keeps a master in cluster_state:fail for its first 2 s (CLUSTER_WRITABLE_DELAY) and for a rejoin delay after it takes slots.
  const why = problems.every((p) => /cluster_state is fail/.test(p.reason)) ? ' (Redis holds new masters at fail for a short delay)' : '';
  return text + more + why;
}

async function execOrThrow(p: ReturnType<import('ioredis').Redis['pipeline']>, where: string): Promise<void> {
  // A node that goes away mid-create rejects the whole pipeline: say which node.
  const res = await p.exec().catch((err: unknown) => {
    throw new OperationError(`${where}: ${errorText(err)}`, { subject: where });
  });
  const failed = res?.find(([err]) => err);
  if (failed) throw new OperationError(`${where}: ${(failed[0] as Error).message}`, { subject: where });
}

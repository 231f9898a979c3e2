/**
 * The idle runner's cheap look between full passes (see runner.ts): one pipelined
 * CLUSTER INFO + CLUSTER NODES + ROLE + DBSIZE per member asked (probeTargets), reduced to a
 * fingerprint of what a heal reacts to (cluster state, slot health, epochs, each node's
 * flags, links, slots and open slots, roles and replica links), leaving out what moves all
 * the time (offsets, key counts, ping times, message counters). A changed
 * fingerprint, or a member that does not answer, calls for a full pass. Key counts and
 * offsets come back as samples, so a loss is still sized with what was seen a second ago.
 */
import { formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import type { MemberObservation } from '../topology/observation.js';
import { isMaster } from '../topology/model.js';

/**
 * CLUSTER INFO's first nine fields (state, slot counts, known nodes, size, epochs) are what a
 * heal reacts to; the message counters after them change every second. Redis 7.0-7.2 and
 * Valkey 8 print them in this order, so the fingerprint takes the text up to the counters:
 * one slice instead of parsing every field (8% of an idle supervisor's JavaScript time in a profile).
 */
function stableClusterInfo(clusterInfo: string): string {
  const end = clusterInfo.indexOf('cluster_stats_messages');
  return end < 0 ? clusterInfo : clusterInfo.slice(0, end);
}

/** ROLE without offsets: a master's replicas (address), a replica's master and link state. */
export function roleShape(role: unknown): string {
  if (!Array.isArray(role)) return '?';
  if (role[0] === 'master')
    return `master ${((role[2] as unknown[][] | undefined) ?? [])
      .map((r) => `${r[0]}:${r[1]}`)
      .sort()
      .join(',')}`;
  if (role[0] === 'slave') return `replica ${role[1]}:${role[2]} ${role[3]}`;
  return String(role[0]);
}

/** A CLUSTER NODES line's id, address, flags and master, then its ping-sent and pong-received times. */
const PING_PONG = /^(\S+ \S+ \S+ \S+) \d+ \d+ /gm;

/**
 * CLUSTER NODES without the ping-sent and pong-received fields, which change every second.
 * The lines stay in Redis's order, which changes only when nodes join or leave (a change anyway).
 */
export function nodesShape(clusterNodes: string): string {
  return clusterNodes.replace(PING_PONG, '$1 ');
}

/** One member's part of the fingerprint, from its CLUSTER INFO and CLUSTER NODES text and ROLE reply. */
export function memberFingerprint(name: string, clusterInfo: string, role: unknown, clusterNodes = ''): string {
  return `${name} ${stableClusterInfo(clusterInfo)}${roleShape(role)}\n${nodesShape(clusterNodes)}`;
}

/** What a probe saw of one node besides its fingerprint. */
export interface ProbeSample {
  nodeId: string;
  keys: number;
  role: 'master' | 'replica' | 'other';
  /** The master's replication offset (ROLE), masters only. */
  offset?: number;
}

/**
 * A replication PING (`*1\r\n$4\r\nPING\r\n`, 14 bytes), which a master sends its replicas
 * every repl-ping-replica-period (10 s) and which carries no data. Any write moves the offset
 * by more: the shortest one Redis propagates, a DEL of a one-letter key, is 20 bytes.
 */
const REPLICATION_PING_BYTES = 14;

/** Whether the data moved between two probes: a node's key count, or a master's offset beyond a PING. */
export function dataMoved(before: readonly ProbeSample[], after: readonly ProbeSample[]): boolean {
  const was = new Map(before.map((s) => [s.nodeId, s]));
  return after.some((s) => {
    const b = was.get(s.nodeId);
    if (!b || b.keys !== s.keys) return true;
    return s.offset !== undefined && b.offset !== undefined && Math.abs(s.offset - b.offset) > REPLICATION_PING_BYTES;
  });
}

export interface Probe {
  /** Each probed member's part of the fingerprint, by member name. */
  lines: Map<string, string>;
  samples: ProbeSample[];
}

/**
 * Whom a probe asks. Every member that answered the last full pass; once the cluster stood
 * still (`quiet`), only its masters. Each write to a member's socket wakes that member, and
 * on a VM a wakeup is the probe's biggest cost (docs/benchmarks.md). The masters still see
 * their replicas: a replica's link (a master's ROLE lists the replicas connected to it),
 * and a replica that hangs or dies, which every master's CLUSTER NODES flags once
 * cluster-node-timeout passes (a process exit or a pod event wakes a full pass sooner).
 * While data moves (key counts, offsets) the probes are not quiet and ask everyone.
 */
export function probeTargets(members: readonly MemberObservation[], quiet: boolean): MemberObservation[] {
  const answered = members.filter((m) => m.node);
  if (!quiet) return answered;
  const masters = answered.filter((m) => isMaster(m.node!));
  return masters.length > 0 ? masters : answered;
}

/** Whether a probe saw something other than the full pass's probe did: a differing line, or a member it did not see. */
export function probeChanged(settled: ReadonlyMap<string, string>, seen: ReadonlyMap<string, string>): boolean {
  for (const [name, line] of seen) if (settled.get(name) !== line) return true;
  return false;
}

/** The samples after a probe: what it saw, and for the nodes it did not ask, what was seen before. */
export function mergeSamples(before: readonly ProbeSample[], seen: readonly ProbeSample[]): ProbeSample[] {
  const asked = new Set(seen.map((s) => s.nodeId));
  return [...before.filter((s) => !asked.has(s.nodeId)), ...seen];
}

/** Probes `members` (see probeTargets); throws when one does not answer. */
export async function probeMembers(pool: NodePool, members: readonly MemberObservation[]): Promise<Probe> {
  const seen = await Promise.all(
    members
      .filter((m) => m.node)
      .map(async (m) => {
        const client = await pool.get(m.address);
        const res = await client.pipeline().call('CLUSTER', 'INFO').call('ROLE').dbsize().call('CLUSTER', 'NODES').exec();
        const err = res?.find(([e]) => e)?.[0];
        if (!res || err) throw err ?? new Error(`${formatAddress(m.address)}: no reply`);
        const role = res[1]![1] as unknown[];
        const sample: ProbeSample = {
          nodeId: m.node!.id,
          keys: Number(res[2]![1]),
          role: role[0] === 'master' ? 'master' : role[0] === 'slave' ? 'replica' : 'other',
          ...(role[0] === 'master' ? { offset: Number(role[1]) } : {}),
        };
        return { name: m.name, line: memberFingerprint(m.name, String(res[0]![1]), role, String(res[3]![1])), sample };
      }),
  );
  return { lines: new Map(seen.map((x) => [x.name, x.line])), samples: seen.map((x) => x.sample) };
}

/** Builds observations for planHeal tests from a short description of each member. */
import type { MemberObservation, Observation } from '../../src/topology/observation.js';
import type { NodeLine } from '../../src/topology/cluster-nodes.js';
import type { ObservedNode } from '../../src/topology/model.js';

export interface FakeMember {
  name: string;
  id: string;
  port: number;
  domain?: string;
  up?: boolean;
  role?: 'master' | 'replica';
  master?: string;
  slots?: [number, number][];
  fresh?: boolean;
  keys?: number;
  offset?: number;
  linkDownSince?: number;
  migrating?: [number, string][];
  /** Started closed (admission pending). */
  closed?: boolean;
  /** The platform saw its process end this long before the observation. */
  exitedAgoMs?: number;
  /** cluster-replica-no-failover yes (a crash hold). */
  noFailover?: boolean;
  /** The platform holds its replicas' failover off while it restarts. */
  failoverHeld?: boolean;
}

/** Ids everyone knows but no member carries (lost nodes): id -> line fields. */
export interface Ghost {
  id: string;
  port: number;
  role?: 'master' | 'replica';
  master?: string;
  slots?: [number, number][];
  pongAgoMs?: number;
}

export const NOW = 1_000_000_000;

function line(
  id: string,
  port: number,
  opts: { myself?: boolean; role?: 'master' | 'replica'; master?: string; slots?: [number, number][]; fail?: boolean; pong?: number },
): NodeLine {
  const flags = [...(opts.myself ? ['myself'] : []), opts.role === 'replica' ? 'slave' : 'master', ...(opts.fail ? ['fail'] : [])];
  return {
    id,
    host: '127.0.0.1',
    port,
    busPort: port + 10000,
    flags,
    myself: opts.myself ?? false,
    role: opts.role ?? 'master',
    masterId: opts.master,
    pingSent: 0,
    pongReceived: opts.pong ?? NOW,
    configEpoch: 1,
    linkState: opts.fail ? 'disconnected' : 'connected',
    slots: (opts.slots ?? []).map(([start, end]) => ({ start, end })),
    migrating: new Map(),
    importing: new Map(),
  };
}

export function observation(members: FakeMember[], opts: { ghosts?: Ghost[]; staleAddress?: Map<string, number> } = {}): Observation {
  const ghosts = opts.ghosts ?? [];
  const inCluster = members.filter((m) => !m.fresh);
  const obsMembers: MemberObservation[] = members.map((m, ordinal) => {
    const base = {
      name: m.name,
      ordinal,
      address: { host: '127.0.0.1', port: m.port },
      domain: m.domain ?? 'd',
      up: m.up ?? true,
      ...(m.exitedAgoMs !== undefined ? { lastExitAt: NOW - m.exitedAgoMs } : {}),
      ...(m.failoverHeld ? { failoverHeld: true } : {}),
    };
    if (base.up === false) return base;
    const self = { ...line(m.id, m.port, { myself: true, role: m.role, master: m.master, slots: m.slots }), migrating: new Map(m.migrating ?? []) };
    const table = m.fresh
      ? [self]
      : [
          self,
          ...inCluster
            .filter((o) => o !== m)
            .map((o) => line(o.id, opts.staleAddress?.get(o.id) ?? o.port, { role: o.role, master: o.master, slots: o.slots, fail: o.up === false })),
          ...ghosts.map((g) => line(g.id, g.port, { role: g.role, master: g.master, slots: g.slots, fail: true, pong: NOW - (g.pongAgoMs ?? 60_000) })),
        ];
    const node: ObservedNode = {
      address: base.address,
      clusterEnabled: true,
      id: m.id,
      self,
      table,
      clusterInfo: new Map([
        ['cluster_state', 'ok'],
        ['cluster_current_epoch', m.fresh ? '0' : '6'],
      ]),
      replication:
        m.role === 'replica'
          ? { role: 'replica', offset: m.offset ?? 0, replicas: [], masterLinkUp: m.linkDownSince === undefined, masterLinkDownSinceSeconds: m.linkDownSince }
          : { role: 'master', offset: m.offset ?? 0, replicas: [] },
      keys: m.keys ?? 0,
      ...(m.closed ? { admissionPending: true } : {}),
      ...(m.noFailover ? { replicaNoFailover: true } : {}),
    };
    return { ...base, node };
  });
  return {
    at: NOW,
    members: obsMembers,
    model: { nodes: obsMembers.flatMap((m) => (m.node ? [m.node] : [])), unreachable: [], observedAt: NOW },
  };
}

/** The seed's healthy 3x1 cluster: members 0-2 masters, 3-5 their replicas, on three domains. */
export function seedMembers(): FakeMember[] {
  return [
    { name: 'r-0', id: 'a'.repeat(40), port: 7000, domain: 'n0', role: 'master', slots: [[0, 5460]] },
    { name: 'r-1', id: 'b'.repeat(40), port: 7001, domain: 'n1', role: 'master', slots: [[5461, 10922]] },
    { name: 'r-2', id: 'c'.repeat(40), port: 7002, domain: 'n2', role: 'master', slots: [[10923, 16383]] },
    { name: 'r-3', id: 'd'.repeat(40), port: 7003, domain: 'n1', role: 'replica', master: 'a'.repeat(40) },
    { name: 'r-4', id: 'e'.repeat(40), port: 7004, domain: 'n2', role: 'replica', master: 'b'.repeat(40) },
    { name: 'r-5', id: 'f'.repeat(40), port: 7005, domain: 'n0', role: 'replica', master: 'c'.repeat(40) },
  ];
}

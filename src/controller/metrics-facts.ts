/**
 * The numbers the metrics show, from what the controller already has: its last full
 * pass (Observation, conditions) and the idle probe's samples (fresher key counts).
 * Pure; controller/metrics.ts turns them into Prometheus series.
 */
import type { DesiredShape } from '../spec/desired-shape.js';
import { formatAddress } from '../redis/address.js';
import type { Observation } from '../topology/observation.js';
import { openSlots } from '../topology/model.js';
import { countSlots } from '../topology/slots.js';
import { answering, memberWithId, replicaMembers, slotMasters } from '../plan/heal/facts.js';
import type { Condition } from './conditions.js';
import type { ProbeSample } from './probe.js';

export interface MemberFacts {
  member: string;
  address: string;
  domain: string;
  up: boolean;
  role: 'master' | 'replica' | 'unknown';
  /** Replicas: the member name of their master ('' when it is no member). */
  master: string;
  slots: number;
  keys?: number;
  usedMemoryBytes?: number;
  maxMemoryBytes?: number;
  connectedClients?: number;
  opsPerSec?: number;
  /** Replicas: bytes of replication stream their master has and they have not acknowledged. */
  replicationLagBytes?: number;
  /** Replicas: master_link_status is up. */
  masterLinkUp?: boolean;
}

export interface MasterFacts {
  master: string;
  replicas: number;
  replicasInSync: number;
}

export interface ClusterFacts {
  observedAt: number;
  conditions: Record<Condition['type'], boolean | undefined>;
  /** Slots whose master (in the cluster's view) is a member that answers. */
  slotsServed: number;
  /** Slots migrating or importing on any node. */
  slotsOpen: number;
  members: number;
  membersUp: number;
  /** Masters that serve slots. */
  masters: number;
  desiredMasters: number;
  desiredReplicasPerMaster: number;
  perMaster: MasterFacts[];
}

export function clusterFacts(obs: Observation, conditions: readonly Condition[], desired: DesiredShape): ClusterFacts {
  const masters = slotMasters(obs);
  let served = 0;
  const perMaster: MasterFacts[] = [];
  for (const [id, line] of masters) {
    const m = memberWithId(obs, id);
    if (!m) continue;
    served += countSlots(line.slots);
    const replicas = replicaMembers(obs, id);
    perMaster.push({ master: m.name, replicas: replicas.length, replicasInSync: replicas.filter((r) => r.node.replication.masterLinkUp).length });
  }
  const status = (type: Condition['type']) => {
    const c = conditions.find((x) => x.type === type);
    return c ? c.status === 'True' : undefined;
  };
  return {
    observedAt: obs.at,
    conditions: { Ready: status('Ready'), Degraded: status('Degraded'), Healing: status('Healing'), DataLoss: status('DataLoss') },
    slotsServed: served,
    slotsOpen: openSlots(obs.model).length,
    members: obs.members.length,
    membersUp: answering(obs).length,
    masters: masters.size,
    desiredMasters: desired.masters,
    desiredReplicasPerMaster: desired.replicasPerMaster,
    perMaster: perMaster.sort((a, b) => a.master.localeCompare(b.master, 'en', { numeric: true })),
  };
}

/** One row per member; key counts from a probe sample when one is newer than the pass. */
export function memberFacts(obs: Observation, samples: readonly ProbeSample[] = []): MemberFacts[] {
  const keysById = new Map(samples.map((s) => [s.nodeId, s.keys]));
  const nameById = new Map<string, string>();
  for (const m of obs.members) if (m.node?.id) nameById.set(m.node.id, m.name);
  return obs.members.map((m) => {
    const n = m.up ? m.node : undefined;
    const self = n?.self;
    const role = self?.role ?? (n ? n.replication.role : 'unknown');
    const base: MemberFacts = {
      member: m.name,
      address: formatAddress(m.address),
      domain: m.domain,
      up: n !== undefined,
      role,
      master: role === 'replica' && self?.masterId ? (nameById.get(self.masterId) ?? '') : '',
      slots: self ? countSlots(self.slots) : 0,
    };
    if (!n) return base;
    const out: MemberFacts = { ...base, keys: keysById.get(n.id) ?? n.keys };
    if (n.load) {
      out.usedMemoryBytes = n.load.usedMemoryBytes;
      out.maxMemoryBytes = n.load.maxMemoryBytes;
      out.connectedClients = n.load.connectedClients;
      out.opsPerSec = n.load.opsPerSec;
    }
    if (role === 'replica') {
      out.masterLinkUp = n.replication.masterLinkUp === true;
      const lag = replicationLag(obs, m.address, self?.masterId, n.replication.offset);
      if (lag !== undefined) out.replicationLagBytes = lag;
    }
    return out;
  });
}

/**
 * A replica's lag: its master's offset minus what the master says this replica acknowledged
 * (both from the master's one INFO reply); else minus the replica's own offset.
 */
function replicationLag(obs: Observation, address: { host: string; port: number }, masterId: string | undefined, ownOffset: number): number | undefined {
  if (!masterId) return undefined;
  const master = memberWithId(obs, masterId)?.node;
  if (!master || master.replication.role !== 'master') return undefined;
  const entry = master.replication.replicas.find((r) => r.port === address.port && r.host === address.host);
  return Math.max(0, master.replication.offset - (entry?.offset ?? ownOffset));
}

/** Node ids that were replicas in `before` and serve slots as masters in `after`: failovers between two passes. */
export function promotedBetween(before: Observation | undefined, after: Observation): string[] {
  if (!before) return [];
  const wasReplica = new Set(
    answering(before)
      .filter((m) => m.node.self?.role === 'replica')
      .map((m) => m.node.id),
  );
  return answering(after)
    .filter((m) => m.node.self?.role === 'master' && m.node.self.slots.length > 0 && wasReplica.has(m.node.id))
    .map((m) => m.node.id);
}

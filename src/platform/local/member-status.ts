/**
 * One row per member as `rck status` and `rck up` show it: the platform's member joined
 * with what its node reports. Pure, so the supervisor can hand `up` the rows of the
 * observation that found the cluster healthy instead of `up` observing it once more.
 */
import { formatAddress } from '../../redis/address.js';
import type { ClusterModel } from '../../topology/model.js';
import { countSlots } from '../../topology/slots.js';
import type { Member } from '../platform.js';

export interface MemberStatus {
  name: string;
  ordinal: number;
  /** host:port as clients reach it now. */
  address: string;
  domain: string;
  phase: string;
  up: boolean;
  restarts: number;
  pid?: number;
  /** As the node itself reports it; absent when it did not answer. */
  role?: 'master' | 'replica';
  nodeId?: string;
  /** Replicas: the member name of their master. */
  master?: string;
  slots: number;
  keys: number;
  /** Replicas: replication link to the master is up. */
  linkUp?: boolean;
  /** It restarted without its data and is closed until the controller admits it (spec/admission.ts). */
  closed?: boolean;
}

export function memberStatuses(members: Member[], model: ClusterModel): MemberStatus[] {
  const byAddr = new Map(model.nodes.map((n) => [formatAddress(n.address), n]));
  const nameById = new Map<string, string>();
  for (const m of members) {
    const n = byAddr.get(formatAddress(m.address));
    if (n?.id) nameById.set(n.id, m.name);
  }
  return members.map((m) => {
    const n = byAddr.get(formatAddress(m.address));
    const self = n?.self;
    return {
      name: m.name,
      ordinal: m.ordinal,
      address: formatAddress(m.address),
      domain: m.domain,
      phase: m.phase,
      up: m.up && n !== undefined,
      restarts: m.restarts,
      pid: m.pid,
      role: self?.role,
      nodeId: n?.id || undefined,
      master: self?.role === 'replica' && self.masterId ? (nameById.get(self.masterId) ?? self.masterId.slice(0, 8)) : undefined,
      slots: self ? countSlots(self.slots) : 0,
      keys: n?.keys ?? 0,
      linkUp: self?.role === 'replica' ? n?.replication.masterLinkUp : undefined,
      ...(n?.admissionPending ? { closed: true } : {}),
    };
  });
}

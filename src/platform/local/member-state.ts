/** What the local platform tracks per member: where it runs, its process, its phase, what to do when it exits. */
import type { MemberPhase } from '../platform.js';
import type { MemberProcess } from './member-process.js';
import type { MembersFile, MemberRecord } from './state-dir.js';
import type { RedisCluster } from '../../spec/schema.js';
import { memberName } from '../../spec/members.js';

export interface MemberState {
  name: string;
  ordinal: number;
  domain: string;
  host: string;
  port: number;
  phase: MemberPhase;
  up: boolean;
  restarts: number;
  since?: string;
  spawned?: MemberProcess;
  /** What should happen when the process exits. */
  onExit: 'restart' | 'recreate' | 'stay-stopped';
  /** Consecutive crashes, for back-off; reset once it stays up. */
  crashes: number;
  /** Re-create with an empty volume (the PVC was deleted with the pod). */
  wipeOnRecreate?: boolean;
  /** Its replicas' failover is held off while it restarts (CrashResponse.holdEnded). */
  failoverHeld?: boolean;
  /** Start the next process open even if its volume says it should start closed (spec/admission.ts). */
  startOpen?: boolean;
  /** The process of a start that must not be restarted if it exits before it is ready. */
  failFastFor?: MemberProcess;
  /** Serialises start/stop of one member. */
  busy: Promise<void>;
}

export function newMemberState(name: string, ordinal: number, domain: string, host: string, port: number): MemberState {
  return { name, ordinal, domain, host, port, phase: 'Pending', up: false, restarts: 0, onExit: 'restart', crashes: 0, busy: Promise.resolve() };
}

/**
 * Failure domain of a member: a ring over `masters` simulated nodes, so the seed's
 * ordinal layout puts every master on its own node and every replica on another node
 * than its master (member M+i lands on node (i+1) mod M), like 3 Kubernetes nodes would.
 */
/** It answers: Running since `since` (an adopted member: since its process started). */
export function markRunning(s: MemberState, since = new Date().toISOString()): void {
  s.phase = 'Running';
  s.up = true;
  s.since = since;
}

export function localDomain(ordinal: number, masters: number): string {
  return `local-node-${(ordinal + Math.floor(ordinal / masters)) % masters}`;
}

/** What members.json keeps of a member: where it is and its pid, for the next supervisor. */
export function memberRecord(s: MemberState): MemberRecord {
  return { name: s.name, ordinal: s.ordinal, host: s.host, port: s.port, pid: s.spawned?.pid, domain: s.domain, restarts: s.restarts };
}

/**
 * The members of a cluster as `up` finds them: `count` ordinals, each back where the members
 * file last saw it (a member may have moved to another 127.x address) when that port is still
 * in the range, else on basePort + ordinal.
 */
export function initialMemberStates(cluster: RedisCluster, count: number, previous: MembersFile | undefined, inRange: (port: number) => boolean): MemberState[] {
  const { spec } = cluster;
  return Array.from({ length: count }, (_, ordinal) => {
    const name = memberName(cluster.metadata.name, ordinal);
    const prev = previous?.members.find((m) => m.name === name);
    const placed = prev && inRange(prev.port) ? { host: prev.host, port: prev.port } : { host: spec.local.host, port: spec.local.basePort + ordinal };
    const s = newMemberState(name, ordinal, prev?.domain ?? localDomain(ordinal, spec.masters), placed.host, placed.port);
    s.restarts = prev?.restarts ?? 0;
    return s;
  });
}

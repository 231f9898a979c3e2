/**
 * What the live web view shows of one cluster, as one JSON document: conditions, the slot
 * map as runs of slots per owning master with open slots marked, members with their
 * figures, the topology (each master's replicas) and recent events. Pure; built from the
 * same snapshot the metrics use (the last full pass and the idle probe's samples).
 */
import type { Observation } from '../topology/observation.js';
import { memberWithId, slotMasters } from '../plan/heal/facts.js';
import type { Condition } from './conditions.js';
import { type ClusterFacts, type MemberFacts, clusterFacts, memberFacts } from './metrics-facts.js';
import type { DesiredShape } from '../spec/desired-shape.js';
import type { ProbeSample } from './probe.js';
import type { ClusterEvent } from './events.js';

export interface SlotRun {
  start: number;
  end: number;
  /** Member name of the master serving it; '' when no answering master does. */
  master: string;
}

export interface OpenSlot {
  slot: number;
  /** Member names (or node id prefixes) the slot moves from and to. */
  from: string;
  to: string;
}

/** What a running workload (`rck bench consistency` or `chaos`) said about its last second. */
export interface WorkloadView {
  name: string;
  opsPerSec: number;
  errorsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** When the recorder received it (ms). */
  reportedAt: number;
}

/** The events the view lists (the one event schema). */
export type ViewEvent = ClusterEvent;

export interface ClusterView {
  cluster: string;
  observedAt: number;
  conditions: Condition[];
  facts: ClusterFacts;
  members: MemberFacts[];
  slots: SlotRun[];
  openSlots: OpenSlot[];
  events: ViewEvent[];
  /** While a workload reports (absent otherwise). */
  workload?: WorkloadView;
}

export interface ViewInput {
  cluster: string;
  obs: Observation;
  conditions: readonly Condition[];
  desired: DesiredShape;
  samples: readonly ProbeSample[];
  events: readonly ViewEvent[];
  workload?: WorkloadView;
}

export function clusterView(i: ViewInput): ClusterView {
  const { obs } = i;
  const nameOf = (id: string) => memberWithId(obs, id)?.name ?? obs.members.find((m) => m.node?.id === id)?.name ?? id.slice(0, 8);
  const owner: string[] = new Array(16384).fill('');
  for (const [id, line] of slotMasters(obs)) {
    const m = memberWithId(obs, id);
    if (!m) continue;
    for (const r of line.slots) for (let s = r.start; s <= r.end; s++) owner[s] = m.name;
  }
  const slots: SlotRun[] = [];
  owner.forEach((master, s) => {
    const last = slots[slots.length - 1];
    if (last && last.master === master) last.end = s;
    else slots.push({ start: s, end: s, master });
  });
  const open = new Map<number, OpenSlot>();
  for (const m of obs.members) {
    const self = m.node?.self;
    if (!self) continue;
    for (const [slot, to] of self.migrating) open.set(slot, { slot, from: m.name, to: nameOf(to) });
    for (const [slot, from] of self.importing) if (!open.has(slot)) open.set(slot, { slot, from: nameOf(from), to: m.name });
  }
  return {
    cluster: i.cluster,
    observedAt: obs.at,
    conditions: [...i.conditions],
    facts: clusterFacts(obs, i.conditions, i.desired),
    members: memberFacts(obs, i.samples),
    slots,
    openSlots: [...open.values()].sort((a, b) => a.slot - b.slot),
    events: [...i.events],
    ...(i.workload ? { workload: i.workload } : {}),
  };
}

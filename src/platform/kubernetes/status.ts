/** The RedisCluster's status from one controller pass. Pure. */
import { type Condition, SCALING } from '../../controller/conditions.js';
import type { PassResult } from '../../controller/controller.js';
import type { DataLossTally } from '../../controller/data-loss.js';
import { inCluster, slotMasters } from '../../plan/heal/facts.js';

export interface ClusterStatus {
  observedGeneration?: number;
  phase: 'Ready' | 'Creating' | 'Scaling' | 'Degraded' | 'Healing' | 'Invalid';
  members: number;
  readyMembers: number;
  shards: number;
  conditions: (Omit<Condition, 'type'> & { type: string; observedGeneration?: number })[];
  /** Unacknowledged data losses (the DataLoss condition's source; survives operator restarts). */
  dataLoss?: DataLossTally | null;
}

export function statusOf(pass: PassResult, generation: number | undefined, dataLoss?: { condition: Condition; tally?: DataLossTally }): ClusterStatus {
  const ready = pass.conditions.find((c) => c.type === 'Ready');
  const degraded = pass.conditions.find((c) => c.type === 'Degraded');
  const members = inCluster(pass.obs);
  const phase: ClusterStatus['phase'] =
    ready?.status === 'True' ? 'Ready' : ready?.reason === 'NotCreated' ? 'Creating' : degraded?.status === 'True' ? 'Degraded' : ready?.reason === SCALING ? 'Scaling' : 'Healing';
  return {
    observedGeneration: generation,
    phase,
    members: pass.obs.members.length,
    readyMembers: members.length,
    shards: [...slotMasters(pass.obs).values()].filter((l) => l.slots.length > 0).length,
    conditions: [...pass.conditions, ...(dataLoss ? [dataLoss.condition] : [])].map((c) => ({ ...c, observedGeneration: generation })),
    // null removes the field in the merge patch once acknowledged.
    ...(dataLoss ? { dataLoss: dataLoss.tally ?? null } : {}),
  };
}

export function invalidStatus(message: string, generation: number | undefined): ClusterStatus {
  const now = new Date().toISOString();
  return {
    observedGeneration: generation,
    phase: 'Invalid',
    members: 0,
    readyMembers: 0,
    shards: 0,
    conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message, lastTransitionTime: now, observedGeneration: generation }],
  };
}

/** Not created yet, waiting for something outside the spec (the TLS Secret). */
export function waitingStatus(reason: string, message: string, generation: number | undefined): ClusterStatus {
  const now = new Date().toISOString();
  return {
    observedGeneration: generation,
    phase: 'Creating',
    members: 0,
    readyMembers: 0,
    shards: 0,
    conditions: [{ type: 'Ready', status: 'False', reason, message, lastTransitionTime: now, observedGeneration: generation }],
  };
}

/**
 * Status conditions shaped like Kubernetes ones, so the same status serves
 * `rck status --json` and the RedisCluster object. Pure.
 */
import { SLOT_COUNT } from '../topology/slots.js';
import type { HealPlan } from '../plan/heal/index.js';
import { answering, inCluster, memberWithId, replicaMembers, slotMasters } from '../plan/heal/facts.js';
import { memberCount } from '../spec/members.js';
import type { Observation } from '../topology/observation.js';
import type { DesiredShape } from '../spec/desired-shape.js';

export interface Condition {
  type: 'Ready' | 'Degraded' | 'Healing' | 'DataLoss';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

interface Verdict {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** What keeps the cluster from Ready, worst first; empty when Ready. */
export function problems(obs: Observation, desired: DesiredShape): Verdict[] {
  const out: Verdict[] = [];
  const masters = slotMasters(obs);
  const wanted = memberCount(desired);
  if (inCluster(obs).length > 0 && (obs.members.length !== wanted || masters.size !== desired.masters)) {
    out.push({
      status: 'False',
      reason: SCALING,
      message: `${masters.size} master(s) serve slots and ${obs.members.length} member(s) exist; the spec asks for ${desired.masters} masters x ${desired.replicasPerMaster} replicas (${wanted} members)`,
    });
  }
  const closed = answering(obs).filter((m) => m.node.admissionPending);
  if (closed.length > 0) {
    out.push({
      status: 'False',
      reason: 'NotAdmitted',
      message: `${closed.map((m) => m.name).join(', ')} restarted without their data: closed to clients and replicas until their copy is safe`,
    });
  }
  const down = obs.members.filter((m) => !m.node);
  if (down.length > 0) out.push({ status: 'False', reason: 'MembersDown', message: `${down.map((m) => m.name).join(', ')} not answering` });
  let served = 0;
  const unserved: string[] = [];
  for (const [id, line] of masters) {
    const n = line.slots.reduce((s, r) => s + r.end - r.start + 1, 0);
    if (memberWithId(obs, id)) served += n;
    else unserved.push(id.slice(0, 8));
  }
  if (inCluster(obs).length === 0) out.push({ status: 'False', reason: 'NotCreated', message: 'the cluster has not been created yet' });
  else if (served < SLOT_COUNT) {
    out.push({
      status: 'False',
      reason: 'SlotsNotServed',
      message: `${SLOT_COUNT - served} slot(s) not served${unserved.length ? ` (master ${unserved.join(', ')} gone)` : ''}`,
    });
  }
  const failing = answering(obs).filter((m) => m.node.clusterInfo.get('cluster_state') !== 'ok' && inCluster(obs).includes(m));
  if (failing.length > 0 && served === SLOT_COUNT) {
    out.push({ status: 'False', reason: 'ClusterStateFail', message: `${failing.map((m) => m.name).join(', ')} report cluster_state:fail` });
  }
  for (const id of masters.keys()) {
    if (!memberWithId(obs, id)) continue;
    const synced = replicaMembers(obs, id).filter((r) => r.node.replication.masterLinkUp).length;
    if (synced < desired.replicasPerMaster) {
      const name = memberWithId(obs, id)!.name;
      out.push({ status: 'False', reason: 'MissingReplicas', message: `${name} has ${synced} in-sync replica(s), ${desired.replicasPerMaster} wanted` });
    }
  }
  return out;
}

/** Ready's reason while the cluster is being scaled to a new shape (not Degraded: it is what was asked). */
export const SCALING = 'Scaling';

export function conditionsFor(obs: Observation, desired: DesiredShape, plan: HealPlan, previous: Condition[] = []): Condition[] {
  const all = problems(obs, desired);
  const issues = all.filter((i) => i.reason !== SCALING);
  const healing = plan.actions.length > 0 || plan.waiting.length > 0;
  const ready: Verdict =
    all.length === 0 && plan.actions.length === 0
      ? { status: 'True', reason: 'ClusterHealthy', message: 'every slot is served, every member is up, every master has its replicas' }
      : (all[0] ?? { status: 'False', reason: 'Healing', message: 'the controller is acting' });
  const degraded: Verdict =
    issues.length === 0
      ? { status: 'False', reason: 'AsSpecified', message: 'the cluster matches the spec' }
      : { status: 'True', reason: issues[0]!.reason, message: issues.map((i) => i.message).join('; ') };
  const heal: Verdict = healing
    ? {
        status: 'True',
        reason: plan.actions.length > 0 ? 'Acting' : 'Waiting',
        message: plan.actions.length > 0 ? `${plan.actions.length} action(s): ${plan.actions.map((a) => a.kind).join(', ')}` : plan.waiting.join('; '),
      }
    : { status: 'False', reason: 'Idle', message: 'nothing to heal' };
  const now = new Date(obs.at).toISOString();
  const make = (type: Condition['type'], v: Verdict): Condition => {
    const prev = previous.find((c) => c.type === type);
    return { type, ...v, lastTransitionTime: prev && prev.status === v.status ? prev.lastTransitionTime : now };
  };
  return [make('Ready', ready), make('Degraded', degraded), make('Healing', heal)];
}

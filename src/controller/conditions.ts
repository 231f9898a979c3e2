/**
 * Status conditions shaped like Kubernetes ones, so the same status serves
 * `rck status --json` and the RedisCluster object. Pure.
 */
import type { HealPlan } from '../plan/heal/index.js';
import { SCALING, healthFindings } from '../plan/health.js';
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

/** What keeps the cluster from Ready, worst first; empty when Ready (the error findings of plan/health.ts). */
export function problems(obs: Observation, desired: DesiredShape): Verdict[] {
  return healthFindings(obs, desired)
    .filter((f) => f.severity === 'error')
    .map((f) => ({ status: 'False' as const, reason: f.reason, message: f.message }));
}

export { SCALING };

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

/**
 * The local cluster as `rck status` shows it: platform members (from the running
 * supervisor, or the state dir when none runs) joined with what the nodes report.
 */
import { DEFAULT_TIMINGS } from '../../controller/runner.js';
import { desiredShape } from '../../spec/desired-shape.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Condition, conditionsFor } from '../../controller/conditions.js';
import { dataLossCondition } from '../../controller/data-loss.js';
import { readEvents } from '../../controller/event-log.js';
import type { Observation } from '../../topology/observation.js';
import { planHeal } from '../../plan/heal/index.js';
import { observeCluster } from '../../topology/observe.js';
import type { Member } from '../platform.js';
import { callControl } from './control.js';
import { type Health, localClusterHealth, observationOf } from './health.js';
import { CONDITIONS_FILE } from './controller-loop.js';
import { localDomain } from './member-state.js';
import type { LocalTarget } from './resolve.js';
import type { SupervisorStatus } from './supervisor.js';
import { supervisorPid } from './supervisor.js';
import type { ConnectionProfile } from '../../redis/profile.js';
import { type MemberStatus, memberStatuses } from './member-status.js';

export type { MemberStatus };

export interface LocalStatus {
  cluster: string;
  stateDir: string;
  supervisor: { pid: number; phase: string } | null;
  /** The running supervisor's HTTP address (`/metrics`, the web view); null when none runs. */
  http: string | null;
  /** Ready / Degraded / Healing, shaped like Kubernetes conditions. */
  conditions: Condition[];
  health: Health;
  members: MemberStatus[];
}

export async function readLocalStatus(t: LocalTarget, profile: ConnectionProfile): Promise<LocalStatus> {
  const pid = await supervisorPid(t.state);
  let sup: SupervisorStatus | undefined;
  if (pid !== undefined) sup = await callControl<SupervisorStatus>(t.state.controlSocket, { op: 'status' }, 5000).catch(() => undefined);
  const members: Member[] = sup?.members ?? (await membersFromState(t));
  const up = members.filter((m) => m.up).map((m) => m.address);
  const model = up.length ? await observeCluster(up, { profile, seedsOnly: true, timeoutMs: 1000 }) : { nodes: [], unreachable: [], observedAt: Date.now() };
  const out = memberStatuses(members, model);
  const obs = observationOf(members, model);
  const health = localClusterHealth(obs, desiredShape(t.cluster.spec));
  return {
    cluster: t.cluster.metadata.name,
    stateDir: t.state.dir,
    supervisor: sup ? { pid: sup.pid, phase: sup.phase } : null,
    http: sup?.http ?? null,
    conditions: [...((sup && (await controllerConditions(t))) || conditionsNow(t, obs)), dataLossCondition(await readEvents(t.state.eventsFile))],
    health,
    members: out,
  };
}

/** The running controller's conditions, when it wrote them within a resync interval (controller/runner.ts) and a margin. */
async function controllerConditions(t: LocalTarget): Promise<Condition[] | undefined> {
  try {
    const file = JSON.parse(await readFile(join(t.state.dir, CONDITIONS_FILE), 'utf8')) as { observedAt: string; conditions: Condition[] };
    return Date.now() - Date.parse(file.observedAt) < DEFAULT_TIMINGS.resyncMs + 5000 ? file.conditions : undefined;
  } catch {
    return undefined;
  }
}

/** Conditions from this observation alone (no controller runs, or it is busy). */
function conditionsNow(t: LocalTarget, obs: Observation): Condition[] {
  const desired = desiredShape(t.cluster.spec);
  return conditionsFor(obs, desired, planHeal(obs, desired));
}

/** Members as last recorded, all down: no supervisor runs them. */
async function membersFromState(t: LocalTarget): Promise<Member[]> {
  const rec = await t.state.readMembers();
  return (rec?.members ?? []).map((m) => ({
    name: m.name,
    ordinal: m.ordinal,
    address: { host: m.host, port: m.port },
    domain: m.domain ?? localDomain(m.ordinal, t.cluster.spec.masters),
    phase: 'Stopped' as const,
    up: false,
    restarts: 0,
  }));
}

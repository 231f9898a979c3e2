/**
 * The one source of health findings: what keeps a cluster from Ready, and what is only worth
 * a warning, from one observation (members joined with their nodes) and the desired shape.
 * Every view formats these and nothing else: the Ready/Degraded conditions
 * (controller/conditions.ts), the local health in `rck status` and `rck up`
 * (platform/local/health.ts). The engine's check (plan/check.ts: agreement, open slots,
 * coverage...) contributes what the member-level findings do not already say. Pure.
 */
import { SLOT_COUNT } from '../topology/slots.js';
import type { Observation } from '../topology/observation.js';
import type { DesiredShape } from '../spec/desired-shape.js';
import { memberCount } from '../spec/members.js';
import { formatAddress } from '../redis/address.js';
import { checkCluster } from './check.js';
import { answering, inCluster, memberWithId, replicaMembers, slotMasters } from './heal/facts.js';

export interface HealthFinding {
  severity: 'error' | 'warning';
  /** CamelCase, the condition's reason when it is the worst finding. */
  reason: string;
  message: string;
}

/** Ready's reason while the cluster is being scaled to a new shape (not Degraded: it is what was asked). */
export const SCALING = 'Scaling';

/**
 * The engine's findings that the member-level ones already say in their own words
 * (unreachable: MembersDown; uncovered slots: SlotsNotServed; cluster_state: ClusterStateFail;
 * replica links and counts: MissingReplicas).
 */
const SAID_BY_MEMBER_FINDINGS = new Set(['unreachable', 'uncovered-slots', 'cluster-state', 'replica-link-down', 'missing-replicas']);
/** Peers flagging a node, replicas of a node nobody reaches: echoes of a member that is down (MembersDown says it once). */
const ECHOES_OF_A_DOWN_MEMBER = new Set(['node-flagged', 'replica-unknown-master']);

/** Errors first (worst first), then warnings; no errors means Ready as far as the cluster goes. */
export function healthFindings(obs: Observation, desired: DesiredShape): HealthFinding[] {
  const out: HealthFinding[] = [];
  const error = (reason: string, message: string) => out.push({ severity: 'error', reason, message });
  const masters = slotMasters(obs);
  const wanted = memberCount(desired);
  if (inCluster(obs).length > 0 && (obs.members.length !== wanted || masters.size !== desired.masters)) {
    error(
      SCALING,
      `${masters.size} master(s) serve slots and ${obs.members.length} member(s) exist; the spec asks for ${desired.masters} masters x ${desired.replicasPerMaster} replicas (${wanted} members)`,
    );
  }
  const closed = answering(obs).filter((m) => m.node.admissionPending);
  if (closed.length > 0) error('NotAdmitted', `${closed.map((m) => m.name).join(', ')} restarted without their data: closed to clients and replicas until their copy is safe`);
  const down = obs.members.filter((m) => !m.node);
  if (down.length > 0) error('MembersDown', `${down.map((m) => m.name).join(', ')} not answering`);
  let served = 0;
  const unserved: string[] = [];
  for (const [id, line] of masters) {
    const n = line.slots.reduce((s, r) => s + r.end - r.start + 1, 0);
    if (memberWithId(obs, id)) served += n;
    else unserved.push(id.slice(0, 8));
  }
  if (inCluster(obs).length === 0) error('NotCreated', 'the cluster has not been created yet');
  else if (served < SLOT_COUNT) error('SlotsNotServed', `${SLOT_COUNT - served} slot(s) not served${unserved.length ? ` (master ${unserved.join(', ')} gone)` : ''}`);
  const failing = answering(obs).filter((m) => m.node.clusterInfo.get('cluster_state') !== 'ok' && inCluster(obs).includes(m));
  if (failing.length > 0 && served === SLOT_COUNT) error('ClusterStateFail', `${failing.map((m) => m.name).join(', ')} report cluster_state:fail`);
  for (const id of masters.keys()) {
    if (!memberWithId(obs, id)) continue;
    const synced = replicaMembers(obs, id).filter((r) => r.node.replication.masterLinkUp).length;
    if (synced < desired.replicasPerMaster) error('MissingReplicas', `${memberWithId(obs, id)!.name} has ${synced} in-sync replica(s), ${desired.replicasPerMaster} wanted`);
  }
  // Gossip not converged: a member does not know every other member yet.
  const unaware = inCluster(obs).filter((m) => Number(m.node.clusterInfo.get('cluster_known_nodes') ?? obs.members.length) < obs.members.length);
  if (unaware.length > 0 && down.length === 0) error('NodesUnknown', `${unaware.map((m) => m.name).join(', ')} do not know all ${obs.members.length} members yet`);
  if (inCluster(obs).length > 0) {
    const domains = new Map(obs.members.map((m) => [formatAddress(m.address), m.domain]));
    const byAddress = new Map(obs.members.map((m) => [formatAddress(m.address), m.name]));
    for (const f of checkCluster(obs.model, { replicasPerMaster: desired.replicasPerMaster, domains })) {
      if (SAID_BY_MEMBER_FINDINGS.has(f.code) || (down.length > 0 && ECHOES_OF_A_DOWN_MEMBER.has(f.code))) continue;
      out.push({ severity: f.severity, reason: camel(f.code), message: `${byAddress.get(f.node) ?? f.node}: ${f.message}` });
    }
  }
  return [...out.filter((f) => f.severity === 'error'), ...out.filter((f) => f.severity === 'warning')];
}

function camel(code: string): string {
  return code.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/**
 * External access: a member with a load balancer (MemberView.external) announces that
 * address to clients (cluster-announce-hostname, cluster-preferred-endpoint-type hostname),
 * so CLUSTER SLOTS and MOVED send clients outside Kubernetes to load balancers. The bus and
 * replication keep the pod IPs (cluster-announce-ip). A re-created member announces it from its
 * start (ConfigMap <name>-external, platform/kubernetes/external-addresses.ts); this rule covers
 * running members and new addresses. Pure.
 */
import type { Observation } from '../../topology/observation.js';
import type { HealAction } from './actions.js';
import { answering } from './facts.js';

export function planExternalAnnounce(obs: Observation): HealAction[] {
  const out: HealAction[] = [];
  for (const m of answering(obs)) {
    if (m.external === undefined || !m.node.announced) continue;
    const { hostname, preferred } = m.node.announced;
    if (hostname === m.external && preferred === 'hostname') continue;
    out.push({
      kind: 'announce',
      member: m.name,
      hostname: m.external,
      reason: `clients outside reach it at its load balancer ${m.external} (it announces ${hostname || 'its pod IP'})`,
    });
  }
  return out;
}

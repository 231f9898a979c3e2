/**
 * External access: a member with a load balancer (MemberView.external) announces that
 * address to clients (cluster-announce-hostname, cluster-preferred-endpoint-type hostname),
 * so CLUSTER SLOTS and MOVED send clients outside Kubernetes to load balancers. The bus and
 * replication keep the pod IPs (cluster-announce-ip). A re-created member announces it from its
 * start (ConfigMap <name>-external, platform/kubernetes/external-addresses.ts); this rule covers
 * running members and new addresses. With external access turned off, a member still announcing a
 * hostname goes back to its IP: its load balancer is about to be deleted
 * (platform/kubernetes/external-services.ts, once a pass settles), and clients inside would
 * follow the hostname to it. Pure.
 */
import type { DesiredShape } from '../../spec/desired-shape.js';
import type { Observation } from '../../topology/observation.js';
import type { HealAction } from './actions.js';
import { answering } from './facts.js';

export function planExternalAnnounce(obs: Observation, desired: Pick<DesiredShape, 'clientEndpoint'>): HealAction[] {
  const out: HealAction[] = [];
  for (const m of answering(obs)) {
    if (!m.node.announced) continue;
    const { hostname, preferred } = m.node.announced;
    if (m.external !== undefined) {
      if (hostname === m.external && preferred === 'hostname') continue;
      out.push({
        kind: 'announce',
        member: m.name,
        hostname: m.external,
        preferred: 'hostname',
        reason: `clients outside reach it at its load balancer ${m.external} (it announces ${hostname || 'its pod IP'})`,
      });
    } else if (desired.clientEndpoint === 'ip' && preferred === 'hostname') {
      out.push({ kind: 'announce', member: m.name, hostname: '', preferred: 'ip', reason: `external access is off, and it still announces ${hostname || 'a hostname'}` });
    }
  }
  return out;
}

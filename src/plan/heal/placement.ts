/**
 * Role placement: after failovers two masters may share a failure domain, or a
 * replica may sit in its master's domain. When a planned failover (no data loss)
 * or a replica swap gives a better arrangement, plan it. Pure; only run when
 * nothing else needs healing.
 */
import type { Observation } from '../../topology/observation.js';
import type { HealAction } from './actions.js';
import { inCluster, replicaMembers, slotMasters } from './facts.js';

export function planPlacement(obs: Observation): HealAction[] {
  const masters = [...slotMasters(obs).keys()]
    .map((id) => inCluster(obs).find((m) => m.node.id === id))
    .filter((m) => m !== undefined)
    .sort((a, b) => a.ordinal - b.ordinal);
  const domainCount = new Map<string, number>();
  for (const m of masters) domainCount.set(m.domain, (domainCount.get(m.domain) ?? 0) + 1);

  // Two masters in one domain: hand one master role to an in-sync replica in a domain without a master.
  for (const m of masters) {
    if ((domainCount.get(m.domain) ?? 0) < 2) continue;
    const r = replicaMembers(obs, m.node.id).find((x) => !domainCount.has(x.domain) && x.node.replication.masterLinkUp);
    if (r) {
      return [
        {
          kind: 'planned-failover',
          member: r.name,
          reason: `masters share failure domain ${m.domain}; ${r.name} in ${r.domain} takes over ${m.name}'s slots without data loss`,
        },
      ];
    }
  }

  // A replica in its master's domain: swap it with a replica of another master when both end up better placed.
  for (const m of masters) {
    for (const r of replicaMembers(obs, m.node.id)) {
      if (r.domain !== m.domain) continue;
      for (const other of masters) {
        if (other === m || other.domain === r.domain) continue;
        const swap = replicaMembers(obs, other.node.id).find((x) => x.domain !== m.domain);
        if (!swap) continue;
        return [
          {
            kind: 'replicate',
            member: r.name,
            masterId: other.node.id,
            reason: `it shares failure domain ${r.domain} with its master ${m.name}; swapping with ${swap.name}`,
          },
          { kind: 'replicate', member: swap.name, masterId: m.node.id, reason: `swap with ${r.name} so no replica shares its master's failure domain` },
        ];
      }
    }
  }
  return [];
}

/**
 * A replica that keeps dialling its master's old address. When a master comes back on a
 * new address (a re-created pod, a new port) while its replica holds it as failed, the
 * replica learns the new address from gossip, but Redis 7.0 only re-points replication
 * when the master itself announces the change: the replica then dials the old address
 * forever (seen in the chaos campaign: 2 minutes, until the run gave up). CLUSTER
 * REPLICATE to the same master re-points it. Pure.
 */
import type { Observation } from '../../topology/observation.js';
import type { HealAction } from './actions.js';
import { answering } from './facts.js';

export function planReplicationRetargets(obs: Observation): HealAction[] {
  const out: HealAction[] = [];
  for (const m of answering(obs)) {
    const self = m.node.self;
    const r = m.node.replication;
    if (self?.role !== 'replica' || !self.masterId || r.role !== 'replica' || r.masterLinkUp || !r.masterHost || !r.masterPort) continue;
    const master = m.node.table.find((l) => l.id === self.masterId);
    if (!master?.host || master.port === 0 || master.flags.includes('fail') || master.flags.includes('noaddr')) continue;
    if (master.host === r.masterHost && master.port === r.masterPort) continue;
    // Only towards an address where that very node answers as a master now.
    const there = answering(obs).find((x) => x.node.id === self.masterId && x.address.host === master.host && x.address.port === master.port);
    if (there?.node.self?.role !== 'master') continue;
    out.push({
      kind: 'replicate',
      member: m.name,
      masterId: self.masterId,
      reason: `it still dials its master at the old address ${r.masterHost}:${r.masterPort}; ${there.name} answers at ${master.host}:${master.port} (Redis does not re-point replication to an address learned by gossip)`,
    });
  }
  return out;
}

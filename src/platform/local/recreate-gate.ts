/**
 * When may a killed member be re-created? A deleted pod comes back seconds later,
 * after the cluster noticed it was gone: that is what makes the seed's experiment
 * work (the replica is promoted, the old master rejoins as its replica). A local
 * process would be back in milliseconds, before anyone noticed, and simply resume as
 * master. So the supervisor re-creates a killed member once its peers flag it `fail`
 * and, if it was a master with slots, another node serves them; or at a deadline
 * (3 x cluster-node-timeout + 1 s); or at once when no peer is up to notice.
 */
import { type NodeAddress, formatAddress } from '../../redis/address.js';
import { connectNode } from '../../redis/connection.js';
import { type NodeLine, parseClusterNodes } from '../../topology/cluster-nodes.js';
import type { ConnectionProfile } from '../../redis/profile.js';

export interface GateInput {
  gone: NodeAddress;
  peers: () => Promise<NodeAddress[]>;
  profile: ConnectionProfile;
  nodeTimeoutMs: number;
  signal?: AbortSignal;
}

export type GateOutcome = 'failed-over' | 'flagged-fail' | 'no-peers' | 'deadline';

export async function waitUntilNoticed(g: GateInput): Promise<GateOutcome> {
  const deadline = Date.now() + 3 * g.nodeTimeoutMs + 1000;
  const gone = formatAddress(g.gone);
  while (Date.now() < deadline && !g.signal?.aborted) {
    const peers = await g.peers();
    if (peers.length === 0) return 'no-peers';
    const tables = await Promise.all(peers.map((p) => readTable(p, g.profile)));
    const views = tables.filter((t) => t !== undefined);
    const lines = views.map((t) => t.find((l) => `${l.host}:${l.port}` === gone)).filter((l) => l !== undefined);
    const flagged = lines.some((l) => l.flags.includes('fail'));
    if (flagged) {
      // Failed over (or never had slots): no peer lists it as a master with slots.
      if (lines.every((l) => l.role !== 'master' || l.slots.length === 0)) return 'failed-over';
      // A master nobody can replace: waiting longer would only lengthen the outage.
      const id = lines[0]!.id;
      if (!views.some((t) => t.some((l) => l.masterId === id))) return 'flagged-fail';
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'deadline';
}

async function readTable(addr: NodeAddress, profile: ConnectionProfile): Promise<NodeLine[] | undefined> {
  try {
    const c = await connectNode(addr, { profile, timeoutMs: 500 });
    try {
      return parseClusterNodes(String(await c.call('CLUSTER', 'NODES')));
    } finally {
      c.disconnect();
    }
  } catch {
    return undefined;
  }
}

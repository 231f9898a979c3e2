/** Hand-made cluster models for unit tests of pure planners. */
import type { NodeLine } from '../../src/topology/cluster-nodes.js';
import type { ClusterModel, ObservedNode } from '../../src/topology/model.js';
import type { SlotRange } from '../../src/topology/slots.js';

export interface FixtureNode {
  id: string;
  port: number;
  slots?: SlotRange[];
  masterId?: string;
  keys?: number;
}

function line(n: FixtureNode, myself: boolean): NodeLine {
  return {
    id: n.id,
    host: '127.0.0.1',
    port: n.port,
    busPort: n.port + 10000,
    flags: [...(myself ? ['myself'] : []), n.masterId ? 'slave' : 'master'],
    myself,
    role: n.masterId ? 'replica' : 'master',
    masterId: n.masterId,
    pingSent: 0,
    pongReceived: 0,
    configEpoch: 1,
    linkState: 'connected',
    slots: n.slots ?? [],
    migrating: new Map(),
    importing: new Map(),
  };
}

/** Every node reachable and agreeing; `down` ids are known to peers but unreachable. */
export function fixtureModel(nodes: FixtureNode[], down: string[] = []): ClusterModel {
  const observed: ObservedNode[] = nodes
    .filter((n) => !down.includes(n.id))
    .map((n) => {
      const table = nodes.map((m) => line(m, m.id === n.id));
      return {
        address: { host: '127.0.0.1', port: n.port },
        clusterEnabled: true,
        id: n.id,
        self: table.find((l) => l.myself),
        table,
        clusterInfo: new Map([['cluster_state', 'ok']]),
        replication: { role: n.masterId ? 'replica' : 'master', offset: 0, replicas: [] },
        keys: n.keys ?? 0,
      };
    });
  const unreachable = nodes.filter((n) => down.includes(n.id)).map((n) => ({ address: { host: '127.0.0.1', port: n.port }, id: n.id, error: 'connection refused' }));
  return { nodes: observed, unreachable, observedAt: 0 };
}

/** A fresh empty node outside any cluster. */
export function freshNode(id: string, port: number, keys = 0): ObservedNode {
  return fixtureModel([{ id, port, keys }]).nodes[0]!;
}

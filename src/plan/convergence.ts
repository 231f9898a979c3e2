/**
 * Has a cluster converged to an expected shape? Pure: reads an observed model
 * and returns what is still missing, one line per problem, naming the node.
 */
import { formatAddress } from '../redis/address.js';
import type { ClusterModel, ObservedNode } from '../topology/model.js';
import { configSignature, nodeName } from '../topology/model.js';

export interface ExpectedShape {
  /** Every node id that must be in the cluster. */
  ids: string[];
  /** replica id -> master id */
  replicaOf: ReadonlyMap<string, string>;
  /** Require replicas' replication links to be up (initial sync done). */
  replicasSynced: boolean;
}

export interface ConvergenceProblem {
  node: string;
  /** Peer concerned, when the problem is about one (for bus-port diagnosis). */
  peer?: { id: string; host: string; busPort: number };
  reason: string;
}

const BAD_FLAGS = ['handshake', 'fail', 'fail?', 'noaddr'];

export function convergenceProblems(model: ClusterModel, expected: ExpectedShape): ConvergenceProblem[] {
  const problems: ConvergenceProblem[] = [];
  for (const u of model.unreachable) problems.push({ node: formatAddress(u.address), reason: `unreachable: ${u.error}` });
  const signatures = new Set<string>();
  for (const n of model.nodes) {
    problems.push(...nodeProblems(n, model, expected));
    signatures.add(configSignature(n));
  }
  if (signatures.size > 1) problems.push({ node: 'cluster', reason: 'nodes do not agree yet on the slot configuration' });
  return problems;
}

function nodeProblems(n: ObservedNode, model: ClusterModel, expected: ExpectedShape): ConvergenceProblem[] {
  const out: ConvergenceProblem[] = [];
  const name = nodeName(n);
  const byId = new Map(n.table.map((l) => [l.id, l]));
  for (const id of expected.ids) {
    if (id === n.id) continue;
    const line = byId.get(id);
    const peerNode = model.nodes.find((m) => m.id === id);
    const peer = peerNode?.self ? { id, host: peerNode.address.host, busPort: peerNode.self.busPort } : undefined;
    const peerName = peerNode ? nodeName(peerNode) : id.slice(0, 8);
    if (!line) {
      // During a handshake the peer is listed under a random id; show that it is in progress.
      const pending = n.table.some((l) => l.flags.includes('handshake') && peerNode && l.port === peerNode.address.port);
      out.push({ node: name, peer, reason: pending ? `handshake with ${peerName} not finished` : `does not know ${peerName}` });
      continue;
    }
    const bad = line.flags.filter((f) => BAD_FLAGS.includes(f));
    if (bad.length > 0) out.push({ node: name, peer, reason: `sees ${peerName} as ${bad.join(',')}` });
    else if (line.linkState !== 'connected') out.push({ node: name, peer, reason: `bus link to ${peerName} is down` });
  }
  const wantMaster = expected.replicaOf.get(n.id);
  if (wantMaster) {
    if (n.self?.role !== 'replica' || n.self.masterId !== wantMaster) {
      out.push({ node: name, reason: `not yet a replica of ${wantMaster.slice(0, 8)}` });
    } else if (expected.replicasSynced && !n.replication.masterLinkUp) {
      out.push({ node: name, reason: n.replication.syncInProgress ? 'initial sync in progress' : 'replication link to its master is down' });
    }
  }
  const state = n.clusterInfo.get('cluster_state');
  if (state !== 'ok') out.push({ node: name, reason: `cluster_state is ${state ?? 'unknown'}` });
  return out;
}

/**
 * planAddNode: may this node join the cluster, and as what? A new node must be
 * empty and in no cluster; as a replica it follows the master asked for, or the
 * master with the fewest replicas (ties: most slots, then id). Pure.
 */
import { NodeCheckError, InputError } from '../errors.js';
import type { ClusterModel, ObservedNode } from '../topology/model.js';
import { emptyNodeProblem, isMaster, nodeName, replicasOf, slotCount } from '../topology/model.js';

export type AddNodePlan = { role: 'master'; node: string; nodeId: string } | { role: 'replica'; node: string; nodeId: string; masterId: string; master: string; reason: string };

export interface AddNodeRequest {
  asReplica: boolean;
  /** Master id to replicate; default: the least replicated master. */
  masterId?: string;
}

export function planAddNode(model: ClusterModel, newNode: ObservedNode, req: AddNodeRequest): AddNodePlan {
  const where = nodeName(newNode);
  if (newNode.id && model.nodes.some((n) => n.id === newNode.id)) {
    throw new InputError(`${where} is already a member of this cluster`, { subject: where });
  }
  const problem = emptyNodeProblem(newNode);
  if (problem) throw new NodeCheckError(`${where}: ${problem}; nothing was changed`, { subject: where });
  if (!req.asReplica) {
    if (req.masterId) throw new InputError('a master to follow was given, but the node is to be added as a master: add --replica');
    return { role: 'master', node: where, nodeId: newNode.id };
  }
  const masters = model.nodes.filter(isMaster);
  if (req.masterId) {
    const m = masters.find((x) => x.id === req.masterId);
    if (!m) throw new InputError(`${req.masterId.slice(0, 8)} is not a master of this cluster`);
    return { role: 'replica', node: where, nodeId: newNode.id, masterId: m.id, master: nodeName(m), reason: 'as asked' };
  }
  const withSlots = masters.filter((m) => slotCount(m) > 0);
  const candidates = (withSlots.length > 0 ? withSlots : masters).map((m) => ({ m, replicas: replicasOf(model, m.id).length }));
  if (candidates.length === 0) throw new NodeCheckError('the cluster has no reachable master to follow');
  candidates.sort((a, b) => a.replicas - b.replicas || slotCount(b.m) - slotCount(a.m) || a.m.id.localeCompare(b.m.id));
  const pick = candidates[0]!;
  return {
    role: 'replica',
    node: where,
    nodeId: newNode.id,
    masterId: pick.m.id,
    master: nodeName(pick.m),
    reason: `it has the fewest replicas (${pick.replicas})`,
  };
}

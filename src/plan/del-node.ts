/**
 * planDelNode: may this node leave the cluster, and what must happen first?
 * A master must own no slots and hold no keys (move them with rck reshard or
 * rck rebalance --weight <node>=0). Its replicas are re-pointed to the master
 * with the fewest replicas; then every other node forgets it. Pure.
 */
import { InputError, NodeCheckError } from '../errors.js';
import type { ClusterModel } from '../topology/model.js';
import { isMaster, nodeName, replicasOf, slotCount } from '../topology/model.js';
import { countSlots } from '../topology/slots.js';

export interface DelNodePlan {
  nodeId: string;
  /** host:port, or the id prefix when it is unreachable. */
  node: string;
  role: 'master' | 'replica';
  /** False when it is down: it is forgotten, but cannot be reset. */
  reachable: boolean;
  /** Its replicas and the master each will follow instead. */
  repoint: { replicaId: string; replica: string; masterId: string; master: string }[];
  /** Every other node, which must FORGET it. */
  forgetOn: string[];
}

export interface DelNodeRequest {
  nodeId: string;
  /** Master id its replicas should follow; default: the least replicated other master with slots. */
  replicasTo?: string;
}

export function planDelNode(model: ClusterModel, req: DelNodeRequest): DelNodePlan {
  const node = model.nodes.find((n) => n.id === req.nodeId);
  const lines = model.nodes.flatMap((n) => n.table.filter((l) => l.id === req.nodeId && !l.myself));
  if (!node && lines.length === 0) throw new InputError(`node ${req.nodeId.slice(0, 8)}: no node of the cluster knows this id`, { subject: req.nodeId });
  const name = node ? nodeName(node) : `${req.nodeId.slice(0, 8)} (unreachable)`;
  const role: 'master' | 'replica' = node ? (isMaster(node) ? 'master' : 'replica') : lines.every((l) => l.role === 'master') ? 'master' : 'replica';
  // Its own view when it answers, else what its peers think it owns.
  const slots = node ? slotCount(node) : Math.max(0, ...lines.map((l) => countSlots(l.slots)));
  if (role === 'master' && slots > 0) {
    throw new NodeCheckError(
      `${name} owns ${slots} slot(s): move them away first (rck rebalance <node> --weight ${req.nodeId.slice(0, 8)}=0, or rck reshard); nothing was changed`,
      { subject: name },
    );
  }
  if (role === 'master' && node && node.keys > 0) {
    throw new NodeCheckError(`${name} owns no slots but holds ${node.keys} key(s): run rck fix to move them to their owners first; nothing was changed`, {
      subject: name,
    });
  }
  const others = model.nodes.filter((n) => n.id !== req.nodeId);
  if (others.length === 0) throw new InputError(`${name} is the only node reached: give the address of another node of the cluster`);
  const repoint: DelNodePlan['repoint'] = [];
  const orphans = replicasOf(model, req.nodeId);
  if (orphans.length > 0) {
    const masters = others.filter((m) => isMaster(m) && slotCount(m) > 0);
    const target = masters.find((m) => m.id === req.replicasTo);
    if (req.replicasTo && !target) throw new InputError(`${req.replicasTo.slice(0, 8)} is not a master with slots: its replicas cannot follow it`);
    for (const r of orphans) {
      const load = (id: string) => replicasOf(model, id).length + repoint.filter((p) => p.masterId === id).length;
      const pick = target ?? [...masters].sort((a, b) => load(a.id) - load(b.id) || a.id.localeCompare(b.id))[0];
      if (!pick) throw new NodeCheckError(`${name} has replicas but no other master owns slots for them to follow; nothing was changed`);
      repoint.push({ replicaId: r.id, replica: nodeName(r), masterId: pick.id, master: nodeName(pick) });
    }
  }
  return { nodeId: req.nodeId, node: name, role, reachable: !!node, repoint, forgetOn: others.map((n) => n.id) };
}

/**
 * Resolves how a user names a node (full id, unique id prefix, or host:port)
 * to an observed node of the model. Pure; errors are one-line InputErrors.
 */
import { InputError } from '../errors.js';
import { formatAddress, parseAddress } from '../redis/address.js';
import type { ClusterModel, ObservedNode } from '../topology/model.js';
import { isMaster, nodeName } from '../topology/model.js';

/** Shortest id prefix we accept: shorter ones are too easy to mistype into another node. */
export const MIN_ID_PREFIX = 4;

export function resolveNode(model: ClusterModel, ref: string, what = 'node'): ObservedNode {
  const text = ref.trim();
  if (/^[0-9a-f]+$/i.test(text) && text.length >= MIN_ID_PREFIX && !/^\d{1,5}$/.test(text)) {
    const hits = model.nodes.filter((n) => n.id.startsWith(text.toLowerCase()));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1)
      throw new InputError(`${what} "${ref}": id prefix matches ${hits.length} nodes (${hits.map(nodeName).join(', ')}); give more characters`, {
        subject: ref,
      });
    throw new InputError(`${what} "${ref}": no node of the cluster has this id`, { subject: ref });
  }
  let addr;
  try {
    addr = parseAddress(text);
  } catch {
    throw new InputError(`${what} "${ref}": expected a node id (at least ${MIN_ID_PREFIX} hex characters) or host:port`, { subject: ref });
  }
  const hit = model.nodes.find((n) => formatAddress(n.address) === formatAddress(addr));
  if (!hit) throw new InputError(`${what} "${ref}": no reachable node of the cluster listens at ${formatAddress(addr)}`, { subject: ref });
  return hit;
}

/** Like resolveNode, and the node must be a master. */
export function resolveMaster(model: ClusterModel, ref: string, what = 'node'): ObservedNode {
  const n = resolveNode(model, ref, what);
  if (!isMaster(n)) {
    const master = model.nodes.find((m) => m.id === n.self?.masterId);
    throw new InputError(`${what} "${ref}" (${nodeName(n)}) is not a master: it replicates ${master ? nodeName(master) : (n.self?.masterId?.slice(0, 8) ?? 'nothing')}`, {
      subject: ref,
    });
  }
  return n;
}

/**
 * Preconditions checked on every node before anything is changed. All nodes are
 * checked and all problems reported together, so one run tells the whole story.
 */
import { NodeCheckError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { type ObservedNode, emptyNodeProblem } from '../topology/model.js';
import { readNode } from '../topology/observe.js';
import { type SettingsCheck, settingsProblems } from './validate-settings.js';

/**
 * Reads every node and throws one error listing each node that fails a check; with
 * `settings`, also each setting that would make the new cluster unhealthy.
 */
export async function readEmptyNodes(pool: NodePool, addrs: NodeAddress[], settings?: SettingsCheck): Promise<ObservedNode[]> {
  const [results, settingIssues] = await Promise.all([
    Promise.allSettled(addrs.map((a) => readNode(pool, a))),
    settings ? settingsProblems(pool, addrs, settings) : Promise.resolve([]),
  ]);
  const problems: string[] = [];
  const nodes: ObservedNode[] = [];
  results.forEach((r, i) => {
    const where = formatAddress(addrs[i]!);
    if (r.status === 'rejected') {
      const text = errorText(r.reason);
      problems.push(text.startsWith(where) ? text : `${where}: ${text}`);
      return;
    }
    const p = emptyNodeProblem(r.value);
    if (p) problems.push(`${where}: ${p}`);
    nodes.push(r.value);
  });
  const seen = new Map<string, string>();
  for (const n of nodes) {
    if (!n.id) continue;
    const other = seen.get(n.id);
    if (other) problems.push(`${formatAddress(n.address)}: is the same node as ${other} (node id ${n.id.slice(0, 8)})`);
    seen.set(n.id, formatAddress(n.address));
  }
  problems.push(...settingIssues);
  if (problems.length > 0) {
    throw new NodeCheckError(`nothing was changed: ${problems.join('; ')}`, {
      subject: problems[0],
      detail: problems.join('\n'),
    });
  }
  return nodes;
}

/** Rejects the same address given twice. */
export function assertDistinct(addrs: NodeAddress[]): void {
  const seen = new Set<string>();
  for (const a of addrs) {
    const k = formatAddress(a);
    if (seen.has(k)) throw new NodeCheckError(`${k}: given more than once; nothing was changed`, { subject: k });
    seen.add(k);
  }
}

/**
 * Settings `create` changes on the new, empty nodes while it builds the cluster, and
 * puts back as soon as the cluster has converged, or failed to:
 * - cluster-node-timeout 0.5 s (every node): a new master that takes its first slots
 *   reports cluster_state:fail for min(cluster-node-timeout, 5 s), at least 0.5 s (Redis's
 *   rejoin delay: with no slots a node counts itself in a minority partition). With the
 *   usual 5 s timeout every fresh cluster is unusable for 5 s.
 * - cluster-replica-no-failover yes (with the short timeout), so it cannot cause a
 *   spurious election.
 * - repl-diskless-sync-delay 0 (masters): Redis 7 delays a diskless full sync by 5 s to
 *   batch replicas; the replicas of an empty master all ask within milliseconds anyway,
 *   and the dataset is empty, so the delay is pure waiting.
 */
import { OperationError, errorText } from '../errors.js';
import type { NodeAddress } from '../redis/address.js';
import { formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { BOOTSTRAP_NODE_TIMEOUT_MS } from '../plan/create.js';

/** The settings this module may change, in the order they are put back. */
export const BOOTSTRAP_SETTINGS = ['cluster-node-timeout', 'cluster-replica-no-failover', 'repl-diskless-sync-delay'] as const;
type Setting = (typeof BOOTSTRAP_SETTINGS)[number];

/** Which settings to change on one node, given its current values. Pure. */
export function bootstrapChanges(current: ReadonlyMap<string, string>, isMaster: boolean): Array<[Setting, string]> {
  const out: Array<[Setting, string]> = [];
  if (Number(current.get('cluster-node-timeout')) > BOOTSTRAP_NODE_TIMEOUT_MS) {
    // No-failover goes first: never a moment with the short timeout and failover allowed.
    out.push(['cluster-replica-no-failover', 'yes'], ['cluster-node-timeout', String(BOOTSTRAP_NODE_TIMEOUT_MS)]);
  }
  if (isMaster && current.get('repl-diskless-sync-delay') !== '0') out.push(['repl-diskless-sync-delay', '0']);
  return out;
}

export interface SavedSettings {
  /** Puts every saved value back; returns `node (settings)` for each node where that failed. */
  restore(): Promise<string[]>;
}

/**
 * Applies the bootstrap settings; `masters` are the nodes the plan makes masters. If any
 * node refuses, what was already changed is put back and the error names the node.
 */
export async function applyBootstrapSettings(pool: NodePool, addrs: NodeAddress[], masters: NodeAddress[]): Promise<SavedSettings> {
  const masterKeys = new Set(masters.map(formatAddress));
  const saved = new Map<NodeAddress, Array<[Setting, string]>>();
  const results = await Promise.allSettled(
    addrs.map(async (a) => {
      const c = await pool.get(a);
      const current = new Map<string, string>();
      for (const s of BOOTSTRAP_SETTINGS) {
        const [, value] = (await c.config('GET', s)) as [string, string];
        current.set(s, value);
      }
      const changes = bootstrapChanges(current, masterKeys.has(formatAddress(a)));
      // Saved before changing, so a half-applied node is put back too.
      saved.set(
        a,
        changes.map(([s]) => [s, current.get(s)!]),
      );
      for (const [s, v] of changes) await c.config('SET', s, v);
    }),
  );
  const settings: SavedSettings = {
    async restore() {
      const failed: string[] = [];
      await Promise.all(
        [...saved].map(async ([a, values]) => {
          const order = [...values].sort((x, y) => BOOTSTRAP_SETTINGS.indexOf(x[0]) - BOOTSTRAP_SETTINGS.indexOf(y[0]));
          try {
            const c = await pool.get(a);
            for (const [s, v] of order) await c.config('SET', s, v);
          } catch {
            failed.push(`${formatAddress(a)} (${order.map(([s, v]) => `${s} ${v}`).join(', ')})`);
          }
        }),
      );
      return failed;
    },
  };
  const i = results.findIndex((r) => r.status === 'rejected');
  if (i >= 0) {
    const failed = await settings.restore();
    const where = formatAddress(addrs[i]!);
    const reason = errorText((results[i] as PromiseRejectedResult).reason);
    throw new OperationError(`${where}: could not apply the bootstrap settings: ${reason.startsWith(where) ? reason.slice(where.length + 2) : reason}`, {
      subject: where,
      detail: failed.length > 0 ? `could not put back: ${failed.join('; ')}` : undefined,
    });
  }
  return settings;
}

/**
 * A new master that takes its first slots reports cluster_state:fail for
 * min(cluster-node-timeout, 5 s), at least 0.5 s (Redis's rejoin delay: with no
 * slots a node counts itself in a minority partition). With the usual 5 s
 * timeout every fresh cluster is unusable for 5 s. While we build a cluster we
 * set the timeout to 0.5 s on its (empty) nodes, and disable replica failover
 * so the short timeout cannot cause a spurious election; both settings are put
 * back as soon as the cluster has converged, or failed to.
 */
import type { NodeAddress } from '../redis/address.js';
import { formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { BOOTSTRAP_NODE_TIMEOUT_MS } from '../plan/create.js';


export interface SavedSettings {
  /** Puts every saved value back; returns the nodes where that failed. */
  restore(): Promise<string[]>;
}

export async function applyBootstrapSettings(pool: NodePool, addrs: NodeAddress[]): Promise<SavedSettings> {
  const saved = new Map<NodeAddress, [string, string]>();
  await Promise.all(
    addrs.map(async (a) => {
      const c = await pool.get(a);
      const [, timeout] = (await c.config('GET', 'cluster-node-timeout')) as [string, string];
      const [, noFailover] = (await c.config('GET', 'cluster-replica-no-failover')) as [string, string];
      if (Number(timeout) <= BOOTSTRAP_NODE_TIMEOUT_MS) return;
      saved.set(a, [timeout, noFailover]);
      await c.config('SET', 'cluster-replica-no-failover', 'yes');
      await c.config('SET', 'cluster-node-timeout', String(BOOTSTRAP_NODE_TIMEOUT_MS));
    }),
  );
  return {
    async restore() {
      const failed: string[] = [];
      await Promise.all(
        [...saved].map(async ([a, [timeout, noFailover]]) => {
          try {
            const c = await pool.get(a);
            await c.config('SET', 'cluster-node-timeout', timeout);
            await c.config('SET', 'cluster-replica-no-failover', noFailover);
          } catch {
            failed.push(formatAddress(a));
          }
        }),
      );
      return failed;
    },
  };
}

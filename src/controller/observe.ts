/** One observation: the platform's members plus what each member's node says. */
import { errorText } from '../errors.js';
import type { NodePool } from '../redis/pool.js';
import { readNode } from '../topology/observe.js';
import type { MemberObservation, Observation } from '../topology/observation.js';
import type { ClusterPlatform } from './cluster-platform.js';

/** Where members come from: the Platform (local processes, Kubernetes pods). */
export async function observe(source: ClusterPlatform, pool: NodePool): Promise<Observation> {
  const members = await source.listMembers();
  const observed: MemberObservation[] = await Promise.all(
    members.map(async (m) => {
      const view: MemberObservation = {
        name: m.name,
        ordinal: m.ordinal,
        address: m.address,
        domain: m.domain,
        up: m.up,
        ...(m.lastExitAt ? { lastExitAt: m.lastExitAt } : {}),
        ...(m.failoverHeld ? { failoverHeld: true } : {}),
        ...(m.outdated ? { outdated: m.outdated } : {}),
        ...(m.external ? { external: m.external } : {}),
      };
      if (!m.up) return view;
      try {
        return { ...view, node: await readNode(pool, m.address) };
      } catch (err) {
        // Up for the platform but not answering: treat as down this pass, and redial next time.
        pool.forget(m.address);
        return { ...view, up: false, error: errorText(err) };
      }
    }),
  );
  const nodes = observed.flatMap((m) => (m.node ? [m.node] : []));
  return { at: Date.now(), members: observed, model: { nodes, unreachable: [], observedAt: Date.now() } };
}

/** One observation: the platform's members plus what each member's node says. */
import { errorText } from '../errors.js';
import type { NodePool } from '../redis/pool.js';
import { readNode } from '../topology/observe.js';
import type { MemberObservation, MemberView, Observation } from '../topology/observation.js';

/** Where members come from: the Platform (local processes, Kubernetes pods). */
export interface MemberSource {
  listMembers(): Promise<MemberView[]>;
  /**
   * Scales the members to `count` (a StatefulSet's replicas): new ordinals start
   * empty; removed ones are the highest ordinals, stopped after the controller
   * retired them. Absent where the platform cannot scale.
   */
  setMemberCount?(count: number): Promise<void>;
  /** The member's recent Redis log (its tail), where the platform can read it. */
  recentLog?(member: string): Promise<string>;
}

export async function observe(source: MemberSource, pool: NodePool): Promise<Observation> {
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

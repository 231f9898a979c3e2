/** What the controller can do, each with the reason it is planned. Plain data. */
import type { NodeAddress } from '../../redis/address.js';

export type HealAction =
  /** All members are up and empty: build the cluster. */
  | { kind: 'create'; reason: string }
  /** CLUSTER MEET from a member's node to a peer's current address (re-introduce after new addresses). */
  | { kind: 'meet'; member: string; peer: string; to: NodeAddress; reason: string }
  /** CLUSTER FORGET of a node id that no member has any more, on every node. */
  | { kind: 'forget'; nodeId: string; reason: string }
  /** An empty node (lost volume) joins the cluster straight as a replica of masterId. */
  | { kind: 'join-replica'; member: string; masterId: string; reason: string }
  /** CLUSTER REPLICATE on a member already in the cluster. */
  | { kind: 'replicate'; member: string; masterId: string; reason: string }
  /** CLUSTER FAILOVER FORCE|TAKEOVER on the best replica of a master that is gone. */
  | { kind: 'promote'; member: string; masterId: string; mode: 'force' | 'takeover'; reason: string; warning: string }
  /** The engine's fix, for open or uncovered slots. */
  | { kind: 'fix-slots'; reason: string }
  /** CLUSTER FAILOVER (planned, no data loss) on a replica, to move the master role. */
  | { kind: 'planned-failover'; member: string; reason: string }
  /** Put back the settings an interrupted bootstrap left (short node timeout, replica failover off). */
  | { kind: 'restore-settings'; member: string; reason: string };

/** One line for logs and events. */
export function describeAction(a: HealAction): string {
  switch (a.kind) {
    case 'create':
      return `create the cluster: ${a.reason}`;
    case 'meet':
      return `${a.member}: meet ${a.peer} at ${a.to.host}:${a.to.port}: ${a.reason}`;
    case 'forget':
      return `forget node ${a.nodeId.slice(0, 8)}: ${a.reason}`;
    case 'join-replica':
      return `${a.member}: join as replica of ${a.masterId.slice(0, 8)}: ${a.reason}`;
    case 'replicate':
      return `${a.member}: replicate ${a.masterId.slice(0, 8)}: ${a.reason}`;
    case 'promote':
      return `${a.member}: failover ${a.mode} (master ${a.masterId.slice(0, 8)} is gone): ${a.reason}`;
    case 'fix-slots':
      return `fix slots: ${a.reason}`;
    case 'planned-failover':
      return `${a.member}: planned failover: ${a.reason}`;
    case 'restore-settings':
      return `${a.member}: restore settings: ${a.reason}`;
  }
}

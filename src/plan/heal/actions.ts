/** What the controller can do, each with the reason it is planned. Plain data. */
import type { NodeAddress } from '../../redis/address.js';
import type { SlotMove } from '../slot-moves.js';
import { countMovedSlots } from '../slot-moves.js';

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
  /**
   * Tell clients to reach the member at `hostname` (its load balancer), or at its IP again
   * (`preferred: 'ip'`, hostname ''): CONFIG SET cluster-announce-hostname, cluster-preferred-endpoint-type.
   */
  | { kind: 'announce'; member: string; hostname: string; preferred: 'hostname' | 'ip'; reason: string }
  /** Restart one member on the platform (a rollout: a new image or redis.conf); never a master while it is one, unless it has no replica. */
  | { kind: 'restart-member'; member: string; reason: string }
  /** CLUSTER FAILOVER (planned, no data loss) on a replica, to move the master role. */
  | { kind: 'planned-failover'; member: string; reason: string }
  /** Put back the settings an interrupted bootstrap left (short node timeout, replica failover off). */
  | { kind: 'restore-settings'; member: string; reason: string }
  /** Scale the platform's members (a StatefulSet's replicas) to `count`. */
  | { kind: 'set-member-count'; count: number; reason: string }
  /** An empty member joins the cluster as a master without slots (a new shard, scale-out). */
  | { kind: 'join-master'; member: string; reason: string }
  /** Move slots between masters with the engine's slot mover (scale-out spread, scale-in drain). */
  | { kind: 'move-slots'; moves: SlotMove[]; reason: string }
  /** Leaving members that own no slots: every kept node FORGETs them, then they are RESET (scale-in). */
  | { kind: 'retire'; members: string[]; reason: string }
  /** A master's process is known gone (the platform saw it end): FAILOVER FORCE|TAKEOVER on its in-sync replica. */
  | { kind: 'crash-failover'; member: string; masterId: string; mode: 'force' | 'takeover'; reason: string }
  /** A crashed master's AOF holds writes its replicas lack: cluster-replica-no-failover yes on them until it is back (ops/failover-hold.ts). */
  | { kind: 'hold-failover'; member: string; replicas: string[]; reason: string }
  /** A closed master restarted without its data: its replica `member` (the copy) takes over with FAILOVER FORCE. */
  | { kind: 'promote-copy'; member: string; emptyMember: string; masterId: string; reason: string }
  /** Open a member that started closed (ACL SETUSER default +@all); `dataLoss` when no copy of its slots was left. */
  | { kind: 'admit'; member: string; reason: string; dataLoss?: string };

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
    case 'announce':
      return `${a.member}: announce ${a.preferred === 'ip' ? 'its IP' : a.hostname} to clients: ${a.reason}`;
    case 'restart-member':
      return `${a.member}: restart: ${a.reason}`;
    case 'restore-settings':
      return `${a.member}: restore settings: ${a.reason}`;
    case 'set-member-count':
      return `scale members to ${a.count}: ${a.reason}`;
    case 'join-master':
      return `${a.member}: join as a new master: ${a.reason}`;
    case 'move-slots':
      return `move ${countMovedSlots(a.moves)} slot(s) in ${a.moves.length} move(s): ${a.reason}`;
    case 'retire':
      return `retire ${a.members.join(', ')}: ${a.reason}`;
    case 'crash-failover':
      return `${a.member}: failover ${a.mode} (master ${a.masterId.slice(0, 8)} crashed): ${a.reason}`;
    case 'hold-failover':
      return `${a.member}: hold failover off on ${a.replicas.join(', ')}: ${a.reason}`;
    case 'promote-copy':
      return `${a.member}: failover force over ${a.emptyMember}, which lost its data: ${a.reason}`;
    case 'admit':
      return `${a.member}: admit (open to clients and replicas): ${a.reason}`;
  }
}

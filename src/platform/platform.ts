/**
 * The Platform: where members (pods) run. The controller and the CLI see only this
 * interface, so the same reconcile loop drives local processes and Kubernetes pods.
 * No Kubernetes or process types leak through it.
 */
import type { NodeAddress } from '../redis/address.js';
import type { ClusterPlatform, RestartOptions } from '../controller/cluster-platform.js';

export type MemberPhase =
  | 'Pending' // not started yet, or waiting to be restarted (back-off)
  | 'Starting' // process launched, not answering PING yet
  | 'Running' // answering PING
  | 'Stopping'
  | 'Stopped'; // stopped on purpose (down)

export interface Member {
  /** `<cluster>-<ordinal>`, stable across restarts (the pod name). */
  name: string;
  ordinal: number;
  /** Where clients reach it now; changes when the member is re-created (a new pod IP). */
  address: NodeAddress;
  /** Failure domain (a Kubernetes node or zone); the engine spreads roles across them. */
  domain: string;
  phase: MemberPhase;
  /** Answering PING now. */
  up: boolean;
  /** Container restarts plus re-creations, as `kubectl get pods` counts them. */
  restarts: number;
  /** Process id locally; absent on other platforms. */
  pid?: number;
  /** Last time the member became Running (ISO). */
  since?: string;
  /** Its replicas' failover is held off while it restarts from its AOF (local crash hold). */
  failoverHeld?: boolean;
}

export type PlatformEventType = 'Created' | 'Started' | 'Ready' | 'Exited' | 'Killed' | 'Restarting' | 'Recreated' | 'Stopped' | 'BackOff' | 'Deleted' | 'Adopted';

export interface PlatformEvent {
  time: string;
  member: string;
  type: PlatformEventType;
  message: string;
}

export type { RestartOptions } from '../controller/cluster-platform.js';

/** The local platform: the controller's interface (ClusterPlatform) plus member lifecycle operations. */
export interface Platform extends ClusterPlatform {
  readonly clusterName: string;
  /** Members in ordinal order with their current address and liveness. */
  listMembers(): Promise<Member[]>;
  /** Starts a stopped member with its volume (idempotent). */
  startMember(name: string): Promise<void>;
  /** Stops a member gracefully (SIGTERM: Redis saves and exits); it stays stopped. */
  stopMember(name: string): Promise<void>;
  /** Kills a member at once (SIGKILL, like deleting a pod); it is re-created with its volume on a new address. */
  killMember(name: string): Promise<void>;
  /** Graceful stop then start, on the same address unless `newAddress`. */
  restartMember(name: string, opts?: RestartOptions): Promise<void>;
  /** Subscribes to member events; returns an unsubscribe function. */
  onEvent(listener: (e: PlatformEvent) => void): () => void;
}

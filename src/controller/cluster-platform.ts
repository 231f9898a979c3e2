/**
 * The one platform interface below the CLI: what the controller, rollouts and restarts
 * need from where the members run. The local platform (platform/local) and the
 * Kubernetes operator's pod view (platform/kubernetes/member-source.ts) implement it;
 * the local platform adds its own lifecycle operations on top (platform/platform.ts).
 */
import type { MemberView } from '../topology/observation.js';

export interface RestartOptions {
  /** Come back on a new address (as a re-created pod gets a new IP). */
  newAddress?: boolean;
  /** With newAddress: another host too where the platform can (locally: another 127.x address). */
  host?: string;
}

export interface ClusterPlatform {
  listMembers(): Promise<MemberView[]>;
  /**
   * Scales the members to `count` (a StatefulSet's replicas): new ordinals start
   * empty; removed ones are the highest ordinals, stopped after the controller
   * retired them. Absent where the platform cannot scale.
   */
  setMemberCount?(count: number): Promise<void>;
  /** The member's recent Redis log (its tail), where the platform can read it. */
  recentLog?(member: string): Promise<string>;
  /** Graceful stop then start, on the same address unless `newAddress`; absent where the platform cannot restart one member. */
  restartMember?(name: string, opts?: RestartOptions): Promise<void>;
}

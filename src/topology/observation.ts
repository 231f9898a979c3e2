/**
 * What one reconcile pass sees: the platform's members (where each runs, is it
 * up) joined with what each member's Redis node says. Plain data for the planner.
 */
import type { NodeAddress } from '../redis/address.js';
import type { ClusterModel, ObservedNode } from './model.js';

export interface MemberView {
  name: string;
  ordinal: number;
  address: NodeAddress;
  domain: string;
  up: boolean;
  /** When the platform last saw the member's redis process end (a container terminated); absent when unknown. */
  lastExitAt?: number;
  /** The platform holds its replicas' failover off while it restarts from its AOF (a local crash hold, ops/failover-hold.ts). */
  failoverHeld?: boolean;
  /** Why the member must restart to run what the spec asks (a new image or redis.conf); absent when it runs it, or the platform cannot tell. */
  outdated?: string;
  /** Where clients outside the platform reach it (its load balancer's IP or DNS name), when it has external access. */
  external?: string;
}

export interface MemberObservation extends MemberView {
  /** Its Redis node, when it answered. */
  node?: ObservedNode;
}

export interface Observation {
  at: number;
  members: MemberObservation[];
  /** The cluster as read from every member that answered (their own views only). */
  model: ClusterModel;
}

/**
 * Reconcile loops the supervisor runs once the cluster is up, in the foreground
 * (`rck up`) and detached alike. The controller (issue 4) registers here.
 */
import type { ReconcileLoop } from './supervisor.js';

export function supervisorLoops(): ReconcileLoop[] {
  return [];
}

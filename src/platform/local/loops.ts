/**
 * Reconcile loops the supervisor runs once the cluster is up, in the foreground
 * (`rck up`) and detached alike (both run supervisor-main.js). A loop's pass never
 * overlaps the next one (the supervisor skips a tick while a pass runs), and
 * `ctx.signal` aborts when the supervisor stops.
 */
import { controllerLoop } from './controller-loop.js';
import type { ReconcileLoop } from './reconcile-loop.js';

export function supervisorLoops(): ReconcileLoop[] {
  return [controllerLoop()];
}

/**
 * Reconcile loops the supervisor runs once the cluster is up, in the foreground
 * (`rck up`) and detached alike (both run supervisor-main.js). The controller
 * (issue 4) registers here. LocalPlatform satisfies the controller's MemberSource, so
 * wiring it is a few lines, for example:
 *
 *   let controller: Controller | undefined;
 *   return [{
 *     name: 'controller',
 *     intervalMs: 500,
 *     reconcile: async (ctx) => {
 *       const { spec, metadata } = ctx.cluster;
 *       controller ??= new Controller({
 *         clusterName: metadata.name,
 *         source: ctx.platform,
 *         desired: { masters: spec.masters, replicasPerMaster: spec.replicasPerMaster,
 *                    nodeTimeoutMs: nodeTimeoutMs(spec), placement: spec.placement },
 *         password: ctx.password,
 *         events,            // e.g. appending to <state dir>/events.jsonl
 *         report: ctx.report,
 *       });
 *       await controller.pass();
 *     },
 *   }];
 *
 * A loop's pass never overlaps the next one (the supervisor skips a tick while a pass
 * runs), and `ctx.signal` aborts when the supervisor stops.
 */
import type { ReconcileLoop } from './supervisor.js';

export function supervisorLoops(): ReconcileLoop[] {
  return [];
}

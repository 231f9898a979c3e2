/**
 * The controller as a reconcile loop of the local supervisor (run by a ReconcileRunner:
 * see controller/runner.ts for when passes and probes run), events into the state dir's
 * event log, conditions into conditions.json for `rck status` (each full pass).
 */
import { desiredShape } from '../../spec/desired-shape.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller } from '../../controller/controller.js';
import type { ReconcileLoop } from './reconcile-loop.js';

export const CONDITIONS_FILE = 'conditions.json';

export function controllerLoop(): ReconcileLoop {
  let controller: Controller | undefined;
  return {
    name: 'controller',
    probe: async (ctx, quiet) => {
      if (!controller) return 'changed';
      const outcome = await controller.probe(quiet);
      if (outcome !== 'changed') ctx.sampled(controller.samples);
      return outcome;
    },
    reconcile: async (ctx) => {
      const { spec, metadata } = ctx.cluster;
      controller ??= new Controller({
        clusterName: metadata.name,
        source: ctx.platform,
        desired: desiredShape(spec),
        profile: ctx.profile,
        events: ctx.events,
        report: (line) => ctx.report(`controller: ${line}`),
      });
      controller.setDesired(desiredShape(spec)); // `rck scale` changes the applied spec
      const started = performance.now();
      const pass = await controller.pass(ctx.signal);
      ctx.observed(pass.obs);
      ctx.passed?.({ obs: pass.obs, conditions: pass.conditions, desired: desiredShape(spec), durationMs: performance.now() - started });
      // Every full pass (at least every resync while idle), so `rck status` can tell it is fresh.
      const body = JSON.stringify({ observedAt: new Date(pass.obs.at).toISOString(), conditions: pass.conditions, waiting: pass.plan.waiting }, null, 2);
      await writeFile(join(ctx.stateDir, CONDITIONS_FILE), `${body}\n`, { mode: 0o600 });
      return pass.outcome;
    },
  };
}

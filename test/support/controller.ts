/** Drives the real controller over TestNodes, with the test harness playing the platform. */
import { Controller, type PassResult } from '../../src/controller/controller.js';
import { MemoryEventSink } from '../../src/controller/events.js';
import type { ClusterPlatform } from '../../src/controller/cluster-platform.js';
import type { MemberView } from '../../src/topology/observation.js';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import type { TestNodes } from './redis-nodes.js';

export function membersOf(set: TestNodes, domains?: string[]): { listMembers(): Promise<MemberView[]> } {
  return {
    async listMembers() {
      return set.nodes.map((n, i) => ({
        name: `m-${i}`,
        ordinal: i,
        address: { host: n.host, port: n.port },
        domain: domains?.[i] ?? `d${i % 3}`,
        up: set.isUp(i),
      }));
    },
  };
}

/** `source`: the platform as the controller sees it (default: the nodes, up while their process runs). */
export function controllerFor(set: TestNodes, desired: Partial<DesiredShape> = {}, domains?: string[], source: ClusterPlatform = membersOf(set, domains)) {
  const events = new MemoryEventSink();
  const controller = new Controller({
    clusterName: 'test',
    source,
    desired: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000, placement: 'ordinal', ...desired },
    events,
  });
  return { controller, events };
}

/** Runs passes until Ready is True; returns the last pass and how long it took. */
export async function runUntilReady(controller: Controller, timeoutMs = 60_000, intervalMs = 100): Promise<{ last: PassResult; ms: number; passes: number }> {
  const start = Date.now();
  let passes = 0;
  for (;;) {
    const last = await controller.pass();
    passes++;
    if (last.conditions.find((c) => c.type === 'Ready')?.status === 'True') return { last, ms: Date.now() - start, passes };
    if (Date.now() - start > timeoutMs) {
      const conds = last.conditions.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`).join(' | ');
      throw new Error(`not Ready after ${timeoutMs} ms (${passes} passes): ${conds}; errors: ${last.errors.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs passes until the controller has nothing to do and nothing to wait for (placement included). */
export async function runUntilIdle(controller: Controller, timeoutMs = 60_000): Promise<PassResult> {
  const start = Date.now();
  for (;;) {
    const last = await controller.pass();
    if (last.plan.actions.length === 0 && last.plan.waiting.length === 0) return last;
    if (Date.now() - start > timeoutMs) throw new Error(`still busy after ${timeoutMs} ms: ${last.plan.waiting.join('; ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

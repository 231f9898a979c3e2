import { afterEach, describe, expect, it } from 'vitest';
import { act } from '../../src/controller/act.js';
import { Controller } from '../../src/controller/controller.js';
import { MemoryEventSink } from '../../src/controller/events.js';
import { observe } from '../../src/controller/observe.js';
import { planHeal } from '../../src/plan/heal/index.js';
import { NodePool } from '../../src/redis/pool.js';
import { startCluster } from '../support/cluster.js';
import { controllerFor, membersOf } from '../support/controller.js';
import { TestNodes } from '../support/redis-nodes.js';

let sets: TestNodes[] = [];
afterEach(async () => {
  await Promise.all(sets.map((s) => s.stop()));
  sets = [];
});

const desired = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, placement: 'ordinal' as const };

describe('the controller never', () => {
  it('creates a cluster over nodes that hold data', async () => {
    const set = await TestNodes.start(6, { nodeTimeoutMs: 1000 });
    sets.push(set);
    // One member holds a key (written through a slot it owned for a moment).
    const c = set.client(2);
    await c.config('SET', 'cluster-require-full-coverage', 'no');
    await c.call('CLUSTER', 'ADDSLOTS', '0');
    await expect.poll(() => c.set('06S', 'precious').catch((e: Error) => e.message), { timeout: 10_000, interval: 50 }).toBe('OK');
    await c.call('CLUSTER', 'DELSLOTS', '0');
    await c.call('CLUSTER', 'RESET', 'SOFT').catch(() => {});
    const { controller, events } = controllerFor(set, desired);
    for (let i = 0; i < 3; i++) {
      const pass = await controller.pass();
      expect(pass.plan.actions).toEqual([]);
      expect(pass.plan.waiting.join()).toMatch(/hold data/);
    }
    expect(events.events).toEqual([]);
    expect(await c.dbsize()).toBe(1);
    c.disconnect();
  });

  it('forgets a node that still owns slots', async () => {
    const set = await startCluster(3, 0, { nodeTimeoutMs: 1000 });
    sets.push(set);
    const goneId = (await set.client(0).call('CLUSTER', 'MYID')) as string;
    await set.kill(0); // a master without replica: its slots have nowhere to go
    // The platform no longer lists the dead member, and every listed member is up:
    // the only thing keeping its id is that it owns slots.
    const source = { listMembers: async () => (await membersOf(set).listMembers()).filter((m) => m.name !== 'm-0') };
    const events = new MemoryEventSink();
    const controller = new Controller({ clusterName: 't', source, desired: { ...desired, replicasPerMaster: 0 }, events });
    for (let i = 0; i < 3; i++) {
      const pass = await controller.pass();
      expect(pass.plan.actions.filter((a) => a.kind === 'forget')).toEqual([]);
      expect(pass.plan.waiting.join()).toMatch(/no replica|owns slots/);
    }
    expect(events.events.filter((e) => e.reason === 'Forget')).toEqual([]);
    const c1 = set.client(1);
    expect(String(await c1.call('CLUSTER', 'NODES'))).toContain(goneId);
    c1.disconnect();
  });

  it('promotes a replica when its master came back since the plan (re-observes before acting)', async () => {
    const set = await startCluster(3, 1, { nodeTimeoutMs: 1000, persistence: true });
    sets.push(set);
    const source = membersOf(set);
    await set.kill(0);
    const pool = new NodePool({ timeoutMs: 1000 });
    try {
      // Plan on an observation where the master is gone long enough...
      const stale = await observe(source, pool);
      const plan = planHeal({ ...stale, at: stale.at + 60_000 }, desired);
      const promote = plan.actions.find((a) => a.kind === 'promote');
      expect(promote).toBeDefined();
      // ...then the master returns before the action runs.
      await set.restart(0, { samePort: true });
      await expect(act(promote!, { pool, source, desired, obs: stale })).rejects.toThrow(/its master is back|answers at/);
      const replica = set.client(3);
      expect(String(await replica.info('replication'))).toMatch(/role:slave/);
      replica.disconnect();
    } finally {
      await pool.close();
    }
  });
});

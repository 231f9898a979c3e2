/**
 * Once the cluster stands still, the idle probes ask only the masters (controller/probe.ts
 * probeTargets). A replica that hangs is still seen: every master's CLUSTER NODES flags
 * it once cluster-node-timeout passes, which changes their probe fingerprint and calls a
 * full pass, whose conditions name the replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

describe('a replica frozen while the cluster idles', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'frozen-replica' });
    await h.upReady();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const notReady = (s: StatusJson) => s.conditions.find((c) => c.type === 'Ready')?.status === 'False';

  it('is reported by the next full pass, and Ready comes back when it resumes', async () => {
    const before = await h.waitFor('Ready', (s) => h.ready(s));
    const victim = before.members.find((m) => m.role === 'replica')!;
    // No writes: after three still probes (3 s at one a second) the probes are quiet and skip the replicas.
    await new Promise((r) => setTimeout(r, 5000));
    const pid = h.member(before, victim.name).pid!;
    process.kill(pid, 'SIGSTOP');
    let resumed = false;
    try {
      const seen = await h.waitFor(`a condition naming ${victim.name}`, (s) => notReady(s) && JSON.stringify(s.conditions).includes(victim.name), 60_000);
      console.log(JSON.stringify(seen.conditions.filter((c) => c.status !== 'True' || c.type !== 'Ready')));
      expect(notReady(seen)).toBe(true);
      process.kill(pid, 'SIGCONT');
      resumed = true;
    } finally {
      if (!resumed) process.kill(pid, 'SIGCONT');
    }
    const after = await h.waitFor('Ready again', (s) => h.ready(s), 60_000);
    expect(h.member(after, victim.name).role).toBe('replica');
  });
});

/**
 * Issue 12, item 5: a loss Redis forces is never silent. With persistence off and no
 * replica, a master that crashes restarts empty: nothing could have kept its keys. The
 * supervisor records a DataLoss event with the number of keys the master held, and
 * `rck status` shows DataLoss=True, however healthy the cluster is again, until a
 * person acknowledges it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeys } from '../support/key-set.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

const KEYS = 3000;

describe('a loss with no surviving copy', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'loss', extraSpec: '  replicasPerMaster: 0\n  persistence: {enabled: false}' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const dataLoss = (s: StatusJson) => s.conditions.find((c) => c.type === 'DataLoss');

  it('a master without replica crashes: one DataLoss event naming all its keys, DataLoss=True until acknowledged', async () => {
    const s = await h.upReady();
    expect(dataLoss(s)?.status).toBe('False');
    await loadKeys({ host: '127.0.0.1', port: Number(s.members[0]!.address.split(':')[1]) }, KEYS, { password: await h.password() });
    const loaded = await h.waitFor('keys counted', (x) => x.members.reduce((n, m) => n + m.keys, 0) === KEYS);
    const victim = loaded.members.find((m) => m.role === 'master' && m.keys > 0)!;
    // The supervisor's health pass (every second) must have seen the keys to count the loss.
    await new Promise((r) => setTimeout(r, 1500));

    process.kill(victim.pid!, 'SIGKILL');
    const after = await h.waitFor('DataLoss=True and Ready', (x) => dataLoss(x)?.status === 'True' && h.ready(x), 30_000);
    expect(h.member(after, victim.name).keys).toBe(0);
    const losses = (await h.events()).filter((e) => e.reason === 'DataLoss');
    expect(losses.map((e) => [e.member, (e as { keysLost?: number }).keysLost])).toEqual([[victim.name, victim.keys]]);
    expect(dataLoss(after)!.message).toContain(`${victim.keys} key(s) lost`);

    const ack = await h.ok(['events', '--ack-data-loss', '--name', h.name]);
    expect(ack.stdout).toContain('acknowledged');
    expect(dataLoss(await h.status())?.status).toBe('False');
  });
});

/**
 * Persistence off, `rck down` then `rck up`: every member restarts empty. Of an empty
 * cluster nothing is lost, so no member starts closed and no DataLoss is reported (the
 * graceful stop marks each node stopped empty, spec/admission.ts). With keys, every
 * master starts closed and each one's loss is reported: down with persistence off
 * destroys the data, and the keeper says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeys } from '../support/key-set.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

describe('down and up with persistence off', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'downup-off', extraSpec: '  persistence: {enabled: false}' });
    await h.upReady();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const dataLoss = (s: StatusJson) => s.conditions.find((c) => c.type === 'DataLoss');

  async function downUp(): Promise<{ status: StatusJson; events: Awaited<ReturnType<LocalClusterHarness['events']>> }> {
    const before = (await h.events()).length;
    await h.ok(['down', '--name', h.name]);
    const status = await h.upReady();
    return { status, events: (await h.events()).slice(before) };
  }

  it('of an empty cluster: no member starts closed, no DataLoss; with 300 keys: the 3 masters start closed and 3 DataLoss events report them', async () => {
    const empty = await downUp();
    expect(empty.events.filter((e) => e.reason === 'Started')).toHaveLength(6);
    expect(empty.events.filter((e) => e.reason === 'Started' && /starting closed/.test(e.message))).toEqual([]);
    expect(empty.events.filter((e) => e.reason === 'DataLoss')).toEqual([]);
    expect(dataLoss(empty.status)?.status).toBe('False');

    const port = Number(empty.status.members[0]!.address.split(':')[1]);
    await loadKeys({ host: '127.0.0.1', port }, 300, { password: await h.password() });
    const full = await downUp();
    expect(full.events.filter((e) => e.reason === 'Started' && /starting closed/.test(e.message))).toHaveLength(3);
    const after = await h.waitFor('DataLoss=True', (s) => dataLoss(s)?.status === 'True' && h.ready(s));
    const losses = (await h.events()).filter((e) => e.reason === 'DataLoss');
    expect(losses).toHaveLength(3);
    expect(after.members.reduce((n, m) => n + (m.role === 'master' ? m.keys : 0), 0)).toBe(0);
  });
});

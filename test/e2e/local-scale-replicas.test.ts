/**
 * Scaling replicas from the spec on the local platform (1 -> 2 -> 1), and the
 * scale requests that must be refused with nothing changed.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalClusterHarness } from '../support/local-cluster.js';
import { expectShape, missingKeys, writeKeys } from '../support/scale-checks.js';

let h: LocalClusterHarness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('rck scale: replicas', () => {
  it('1 -> 2 -> 1 replicas per master: new members attach one per master, leaving ones retire; every key kept', async () => {
    h = await LocalClusterHarness.create();
    const start = await h.upReady();
    const expected = await writeKeys(h, start, 2000, 'rep');

    let t0 = Date.now();
    await h.ok(['scale', '--replicas', '2']);
    console.log(`[scale replicas 1->2] ${Date.now() - t0} ms`);
    const two = await h.status();
    expectShape(two, 3, 2);
    expect(await missingKeys(h, two, expected)).toEqual([]);

    t0 = Date.now();
    await h.ok(['scale', '--replicas', '1']);
    console.log(`[scale replicas 2->1] ${Date.now() - t0} ms`);
    const one = await h.status();
    expectShape(one, 3, 1);
    expect(one.members.every((m) => Number(m.name.split('-').pop()) < 6)).toBe(true);
    expect(await missingKeys(h, one, expected)).toEqual([]);
  });

  it('refuses fewer than 3 masters and bad numbers, changing nothing', async () => {
    h = await LocalClusterHarness.create();
    const before = await h.upReady();
    const spec = await readFile(h.specFile, 'utf8');
    for (const [args, message] of [
      [['--masters', '2'], /at least 3 masters/],
      [['--replicas', '-1'], /--replicas/],
      [['--masters', 'four'], /--masters/],
      [[], /--masters and\/or --replicas/],
    ] as const) {
      const r = await h.rck(['scale', ...args, '-f', h.specFile]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await readFile(h.specFile, 'utf8')).toBe(spec);
    const after = await h.status();
    expectShape(after, 3, 1);
    expect(after.members.map((m) => m.nodeId)).toEqual(before.members.map((m) => m.nodeId));
  });
});

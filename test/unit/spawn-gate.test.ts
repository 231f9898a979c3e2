import { describe, expect, it } from 'vitest';
import { firstThenRest, spawnGate } from '../../src/platform/local/spawn-gate.js';

describe('firstThenRest', () => {
  it('starts the 2 first items at once and the other 2 only once both have spawned', async () => {
    const started: string[] = [];
    const spawnFirst: Array<() => void> = [];
    const gate = spawnGate(4);
    const all = firstThenRest(['m0', 'm1', 'r0', 'r1'], 2, gate, async (item, g) => {
      started.push(item);
      if (item.startsWith('m')) await new Promise<void>((resolve) => spawnFirst.push(resolve));
      g.spawned();
    });
    await Promise.resolve();
    expect(started).toEqual(['m0', 'm1']);
    spawnFirst[0]!();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['m0', 'm1']);
    spawnFirst[1]!();
    await Promise.all(all);
    expect(started).toEqual(['m0', 'm1', 'r0', 'r1']);
    await gate.all; // every one of the 4 reported its spawn
  });

  it('a first start that fails before it spawns does not hold the rest back', async () => {
    const started: string[] = [];
    const results = await Promise.allSettled(
      firstThenRest(['m0', 'r0', 'r1'], 1, spawnGate(3), async (item, g) => {
        started.push(item);
        if (item === 'm0') throw new Error('no binary');
        g.spawned();
      }),
    );
    expect(started).toEqual(['m0', 'r0', 'r1']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});

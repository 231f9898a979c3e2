/** The crash responder's "exited together" rule (campaign off seed 46). */
import { describe, expect, it } from 'vitest';
import { exitedTogether } from '../../src/platform/local/crash-responder.js';

describe('exitedTogether', () => {
  const exits = new Map([
    ['r-1', 1000],
    ['r-2', 1300],
    ['r-3', 100],
  ]);
  it('counts members that exited within 0.5 s and are still down', () => {
    expect(exitedTogether(exits, 'r-0', 1400, new Set())).toEqual(['r-1', 'r-2']);
  });
  it('not a member that is up again (it came back before this exit), nor an exit long before', () => {
    expect(exitedTogether(exits, 'r-0', 1400, new Set(['r-1']))).toEqual(['r-2']);
    expect(exitedTogether(exits, 'r-0', 1400, new Set(['r-1', 'r-2']))).toEqual([]);
  });
});

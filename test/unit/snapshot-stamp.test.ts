/** The stamp the snapshots' build writes must read exactly as bin/rck's shell check prints it. */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshotStamp } from '../../src/platform/local/snapshot-blob.js';

describe('snapshotStamp', () => {
  it("matches `stat -L -c '%d %i %s %Y'` of the node binary, then the directory", () => {
    const byStat = execFileSync('stat', ['-L', '-c', '%d %i %s %Y', '--', process.execPath], { encoding: 'utf8' }).trim();
    expect(snapshotStamp(statSync(process.execPath), '/x/dist')).toBe(`${byStat} /x/dist`);
  });
});

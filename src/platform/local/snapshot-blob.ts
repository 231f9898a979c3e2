/**
 * The V8 startup snapshots that `npm run build` makes in dist/snapshot/ (scripts/build-snapshots.mjs):
 * `up.blob` for the CLI's `rck up` (bin/rck picks it) and `supervisor.blob` for the supervisor
 * process (supervisor-process.ts). A snapshot runs only on the node binary that made it and
 * holds the code of the dist/ it was made from, so each comes with a stamp naming both, and
 * it is used only while it is newer than the compiled code. `RCK_NO_SNAPSHOT=1` turns them off.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/ (this module is dist/platform/local/snapshot-blob.js). */
const DIST = fileURLToPath(new URL('../../', import.meta.url));

/** The stamp of a snapshot made by `node` from `dist`: what bin/rck's `stat -L -c '%d %i %s %Y'` prints, then the directory. */
export function snapshotStamp(node: { dev: number; ino: number; size: number; mtimeMs: number }, dist: string): string {
  return `${node.dev} ${node.ino} ${node.size} ${Math.floor(node.mtimeMs / 1000)} ${dist}`;
}

/** Snapshot `name`'s blob if it is fresh for this node binary and this dist/ (and newer than `code`). */
export function freshSnapshot(name: 'up' | 'supervisor', code: string): string | undefined {
  if (process.env.RCK_NO_SNAPSHOT === '1') return undefined;
  const blob = `${DIST}snapshot/${name}.blob`;
  try {
    if (statSync(blob).mtimeMs <= statSync(code).mtimeMs) return undefined;
    const stamp = readFileSync(`${DIST}snapshot/${name}.stamp`, 'utf8').trim();
    return stamp === snapshotStamp(statSync(process.execPath), realpathSync(DIST)) ? blob : undefined;
  } catch {
    return undefined; // none was made (or it is being made): the code runs as compiled
  }
}

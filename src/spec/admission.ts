/**
 * Admission: a member that restarts without the data its nodes.conf says it owns starts
 * closed, and the controller opens it once that is safe.
 *
 * Why: with persistence off (or a stale RDB), a crashed master restarts empty but keeps its
 * node id, its slots and its address. Its replica reconnects to that address, full-syncs
 * the empty dataset and flushes the only copy (issue 12). Nothing in Redis stops that.
 *
 * How: the member's default user starts without PSYNC/SYNC/REPLCONF (no replica can sync
 * from it) and without @read/@write (no client is served an empty shard). The cluster bus,
 * INFO, CLUSTER and ACL still work, so the controller can see it and act: it promotes the
 * shard's replica (the copy), the closed node receives the higher epoch and turns replica
 * of it (its own outgoing sync is not affected by its own ACL), and once its link is up the
 * controller opens it with ACL SETUSER default +@all. Safe because every step that could
 * copy the empty dataset over the real one needs a command the closed user lacks, and the
 * closure holds even when no controller runs: data waits, availability waits with it.
 */

/** Why a member starts closed, for its log and events. */
export const CLOSED_NOTE =
  'nodes.conf says this node is a master with slots, but no AOF brings its data back: starting closed to replicas and clients until the controller admits it';

/**
 * Left on the volume by a graceful stop that found the node holding no keys, with writes
 * paused until the process ends (persistence off only). The next start removes it and
 * knows that restarting empty loses nothing, so it need not start closed: `rck down` and
 * `rck up` of an empty cluster report no loss. A crash leaves no marker: closed as before.
 */
export const STOPPED_EMPTY_MARKER = 'rck-stopped-empty';

/** The default user's rules while closed; `+@all` alone opens it again. */
export const CLOSED_USER_RULES = '~* &* +@all -@read -@write -psync -sync -replconf';

export interface StartFacts {
  /** The member's nodes.conf, when its volume has one. */
  nodesConf?: string;
  /** appendonly yes in the shared configuration. */
  appendonly: boolean;
  /** The AOF directory exists on the volume. */
  aofPresent: boolean;
  /** The last stop was graceful and found no keys (STOPPED_EMPTY_MARKER was there). */
  stoppedEmpty?: boolean;
}

/**
 * Closed when nodes.conf says this node is a master with slots and no AOF will bring its
 * data back (with appendonly no, any RDB on the volume is at best an old snapshot), unless
 * it was stopped empty. Pure.
 */
export function mustStartClosed(f: StartFacts): boolean {
  if (!f.nodesConf || f.stoppedEmpty) return false;
  if (f.appendonly && f.aofPresent) return false;
  const myself = f.nodesConf.split('\n').find((l) => l.split(' ')[2]?.split(',').includes('myself'));
  if (!myself) return false;
  const fields = myself.trim().split(/\s+/);
  return fields[2]!.split(',').includes('master') && fields.length > 8;
}

/** The redis.conf line for the closed default user (the password as `requirepass` would set it). */
export function closedUserLine(password: string | undefined, quote: (s: string) => string): string {
  return `user default on ${password === undefined ? 'nopass' : quote(`>${password}`)} ${CLOSED_USER_RULES}`;
}

/**
 * Why a replica has not finished its first sync, from what it and its master report
 * (INFO replication/persistence, their settings, a credentials probe and, for nodes on
 * this machine, the last warning in their logs). Pure: facts in, a reason and a hint out.
 */

export interface ReplicaWaitFacts {
  /** host:port of the replica and of the master it should follow. */
  replica: string;
  master: string;
  linkUp: boolean;
  syncInProgress: boolean;
  /** Seconds the link has been down; -1 when it never came up. */
  linkDownSinceSeconds?: number;
  syncReadBytes?: number;
  syncTotalBytes?: number;
  /** The replica's state in its master's INFO replication (wait_bgsave, send_bulk, online), if listed. */
  stateAtMaster?: string;
  masterDisklessSync?: boolean;
  masterSyncDelaySeconds?: number;
  masterBgsaveInProgress?: boolean;
  masterLastBgsaveFailed?: boolean;
  /** The master's refusal of the replica's credentials (masteruser/masterauth). */
  authRefusal?: string;
  /** Last replication-related warning in each log since create started (local nodes only). */
  replicaLog?: string;
  masterLog?: string;
}

export interface ReplicaWaitCause {
  reason: string;
  hint: string;
}

/** Whose log tells more about a cause: the side where it happens. */
type Side = 'replica' | 'master' | 'both';

export function explainReplicaWait(f: ReplicaWaitFacts): ReplicaWaitCause {
  const cause = mainCause(f);
  const logs = [
    cause.side !== 'master' && f.replicaLog && `its log: "${clip(f.replicaLog)}"`,
    cause.side !== 'replica' && f.masterLog && `${f.master}'s log: "${clip(f.masterLog)}"`,
  ].filter(Boolean);
  return { reason: logs.length > 0 ? `${cause.reason}; ${logs.join('; ')}` : cause.reason, hint: cause.hint };
}

function mainCause(f: ReplicaWaitFacts): ReplicaWaitCause & { side: Side } {
  if (f.authRefusal) {
    return {
      reason: `its master ${f.master} refuses its credentials (masteruser/masterauth): ${f.authRefusal}`,
      hint: 'set masterauth (and masteruser, with ACL users) on every node to credentials every node accepts',
      side: 'replica',
    };
  }
  // A master whose snapshot fails retries it at once, so a save is usually in progress too.
  if (f.masterLastBgsaveFailed && f.stateAtMaster !== 'send_bulk' && f.stateAtMaster !== 'online') {
    const disk = f.masterDisklessSync === false ? '; with repl-diskless-sync no it writes the snapshot to its dir first' : '';
    return {
      reason: `its master ${f.master} cannot produce the snapshot for the sync: its background saves fail (rdb_last_bgsave_status:err${disk})`,
      hint: `check the free space and permissions of ${f.master}'s dir (CONFIG GET dir) and its log${f.masterDisklessSync === false ? ', or set repl-diskless-sync yes' : ''}`,
      side: 'master',
    };
  }
  if (f.stateAtMaster === 'wait_bgsave') {
    if (f.masterDisklessSync && (f.masterSyncDelaySeconds ?? 0) > 0 && !f.masterBgsaveInProgress) {
      return {
        reason: `its master ${f.master} delays the sync by repl-diskless-sync-delay ${f.masterSyncDelaySeconds} s`,
        hint: `lower repl-diskless-sync-delay on ${f.master}, or raise --wait-timeout`,
        side: 'master',
      };
    }
    return {
      reason: `its master ${f.master} is still writing the snapshot for the sync`,
      hint: `see ${f.master}'s log; raise --wait-timeout when the master is slow to fork or write`,
      side: 'master',
    };
  }
  if (f.stateAtMaster === 'send_bulk' || (f.syncInProgress && (f.syncReadBytes ?? 0) > 0)) {
    const bytes = f.syncTotalBytes !== undefined && f.syncTotalBytes > 0 ? ` (${f.syncReadBytes ?? 0} of ${f.syncTotalBytes} bytes)` : '';
    return {
      reason: `the snapshot is still being transferred from ${f.master}${bytes}`,
      hint: 'raise --wait-timeout; the transfer is under way',
      side: 'both',
    };
  }
  if (!f.linkUp && f.stateAtMaster === undefined) {
    const since = f.linkDownSinceSeconds === undefined || f.linkDownSinceSeconds < 0 ? 'it never connected' : `its link is down for ${f.linkDownSinceSeconds} s`;
    return {
      reason: `it has not reached its master ${f.master}: ${since}, and the master does not list it as a replica`,
      hint: `the replica must reach ${f.master} on its client port; see the replica's log`,
      side: 'replica',
    };
  }
  return {
    reason: `its link to ${f.master} is ${f.linkUp ? 'up' : 'down'}${f.stateAtMaster ? `, the master sees it in state ${f.stateAtMaster}` : ''}`,
    hint: "see the replica's and the master's logs",
    side: 'both',
  };
}

function clip(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

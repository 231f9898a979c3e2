/**
 * Gathers what plan/replica-wait.ts needs to say why a replica is not synced: INFO and
 * settings of the replica and its master, a probe of the replica's credentials on the
 * master, and for nodes on this machine the last replication warning in their logs.
 * Best effort: whatever cannot be read is left out.
 */
import { open } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import type { ReplicaWaitFacts } from '../plan/replica-wait.js';
import { parseInfo } from '../topology/info.js';
import { OPEN_PROFILE } from '../redis/profile.js';
import { replicaAuthRefusal } from './auth-probe.js';

export async function readReplicaWaitFacts(pool: NodePool, replica: NodeAddress, master: NodeAddress, since: number): Promise<ReplicaWaitFacts> {
  const facts: ReplicaWaitFacts = { replica: formatAddress(replica), master: formatAddress(master), linkUp: false, syncInProgress: false };
  const [r, m] = await Promise.all([pool.get(replica).catch(() => undefined), pool.get(master).catch(() => undefined)]);
  const config = async (c: NonNullable<typeof r>, name: string) => ((await c.config('GET', name)) as string[])[1] ?? '';
  await Promise.all([
    (async () => {
      if (!r) return;
      const info = parseInfo(String(await r.info('replication')));
      facts.linkUp = info.get('master_link_status') === 'up';
      facts.syncInProgress = info.get('master_sync_in_progress') === '1';
      facts.linkDownSinceSeconds = numberOf(info.get('master_link_down_since_seconds'));
      facts.syncReadBytes = numberOf(info.get('master_sync_read_bytes'));
      facts.syncTotalBytes = numberOf(info.get('master_sync_total_bytes'));
      const [user, password] = [await config(r, 'masteruser'), await config(r, 'masterauth')];
      facts.authRefusal = await replicaAuthRefusal(master, pool.options.profile ?? OPEN_PROFILE, user, password);
      facts.replicaLog = await lastLogWarning(r, replica, since, /MASTER|REPLICA|SYNC|sync|AUTH|master|replication/);
    })().catch(() => {}),
    (async () => {
      if (!m) return;
      const info = parseInfo(`${await m.info('replication')}\n${await m.info('persistence')}`);
      for (const [k, v] of info) {
        if (!/^slave\d+$/.test(k)) continue;
        const fields = new Map(v.split(',').map((kv) => kv.split('=') as [string, string]));
        if (Number(fields.get('port')) === replica.port) facts.stateAtMaster = fields.get('state');
      }
      facts.masterBgsaveInProgress = info.get('rdb_bgsave_in_progress') === '1';
      facts.masterLastBgsaveFailed = info.get('rdb_last_bgsave_status') === 'err';
      facts.masterDisklessSync = (await config(m, 'repl-diskless-sync')) === 'yes';
      facts.masterSyncDelaySeconds = numberOf(await config(m, 'repl-diskless-sync-delay'));
      facts.masterLog = await lastLogWarning(m, master, since, /RDB|BGSAVE|save|SYNC|sync|[Rr]eplica/, MASTER_LOG_CONSEQUENCES);
    })().catch(() => {}),
  ]);
  return facts;
}

function numberOf(v: string | undefined): number | undefined {
  return v === undefined || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
}

/**
 * What a master logs after the cause of a failed sync, when it retries or drops the replica
 * (on a loaded machine these came last and hid the cause: seen in CI, 2 runs). Used only
 * when no other line matches.
 */
const MASTER_LOG_CONSEQUENCES = /^SYNC failed\. BGSAVE child returned an error|^Connection with replica .* lost/;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `pid:role dd Mon yyyy hh:mm:ss.mmm <level> message`; level `#` is a warning. */
const LOG_LINE = /^\d+:[A-Z] (\d{2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) # (.*)$/;

/**
 * The last warning matching `topic` that the node logged at or after `since`, when the node
 * runs on this machine and logs to a file we can read (Redis has no command to read its log);
 * a line matching `consequence` only when no other does.
 */
async function lastLogWarning(c: Awaited<ReturnType<NodePool['get']>>, addr: NodeAddress, since: number, topic: RegExp, consequence?: RegExp): Promise<string | undefined> {
  if (!LOOPBACK.test(addr.host)) return undefined;
  const logfile = ((await c.config('GET', 'logfile')) as string[])[1] ?? '';
  if (!logfile) return undefined; // stdout: not ours to read
  const path = isAbsolute(logfile) ? logfile : join(((await c.config('GET', 'dir')) as string[])[1] ?? '', logfile);
  const text = await readTail(path, 64 * 1024).catch(() => '');
  let found: string | undefined;
  let fallback: string | undefined;
  for (const line of text.split('\n')) {
    const m = LOG_LINE.exec(line);
    if (!m) continue;
    const at = new Date(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7])).getTime();
    const message = m[8]!;
    // Start-up advice (overcommit, THP) is not about this sync.
    if (!(at >= since - 1000 && topic.test(message) && !/^WARNING/.test(message))) continue;
    if (consequence?.test(message)) fallback = message;
    else found = message;
  }
  return found ?? fallback;
}

async function readTail(path: string, bytes: number): Promise<string> {
  const f = await open(path, 'r');
  try {
    const { size } = await f.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await f.read(buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    await f.close();
  }
}

/**
 * Adopting members that a previous supervisor left running. A supervisor that is
 * killed (OOM, kill -9) leaves its members serving; the next `rck up` must take them
 * over without a restart, as a restarted StatefulSet controller never restarts pods.
 * A restart would be an outage, and with persistence off it would erase every key.
 *
 * A leftover process is adopted only once its identity is proven: it is alive, runs in
 * the member's volume, answers on the member's port with its own pid, and reports the
 * node id written in that volume's nodes.conf. A process that runs in the volume but
 * does not answer yet (loading its data, frozen) is adopted too and watched until it
 * answers: it is that member, and stopping it could only lose data.
 */
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { connectNode } from '../../redis/connection.js';
import { parseInfo } from '../../topology/info.js';
import { pidAlive } from './process-alive.js';
import type { MemberRecord, StateDir } from './state-dir.js';
import type { ConnectionProfile } from '../../redis/profile.js';

export type LeftoverVerdict =
  /** Proven to be the member: take it over. `answering` false: alive in the volume, not answering yet. */
  | { kind: 'adopt'; answering: boolean; uptimeSeconds?: number }
  /** No process of this member runs: start it. */
  | { kind: 'gone'; why: string }
  /** A process runs in the member's volume but claims another identity: stop it, then start the member. */
  | { kind: 'impostor'; why: string };

/** How long to wait for a leftover that answers LOADING or times out before adopting it unanswered. */
const ANSWER_WAIT_MS = 3000;

export async function judgeLeftover(state: StateDir, rec: MemberRecord, profile: ConnectionProfile): Promise<LeftoverVerdict> {
  const pid = rec.pid;
  if (!pid || !pidAlive(pid)) return { kind: 'gone', why: pid ? `pid ${pid} has exited` : 'no process recorded' };
  // Redis rewrites its process title, so recognise it by its working directory: the
  // member's volume (it is started there and chdirs to `dir`, the same place).
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
  if (cwd !== state.memberData(rec.name)) return { kind: 'gone', why: `pid ${pid} is another process now` };
  const volumeId = await nodeIdInVolume(state.memberData(rec.name));
  const deadline = Date.now() + ANSWER_WAIT_MS;
  for (;;) {
    const seen = await askIdentity(rec, profile);
    if (seen) {
      if (seen.pid !== pid) return { kind: 'impostor', why: `port ${rec.port} is answered by pid ${seen.pid}, not ${pid}` };
      if (volumeId && seen.nodeId && seen.nodeId !== volumeId) {
        return { kind: 'impostor', why: `node id ${seen.nodeId.slice(0, 8)} differs from ${volumeId.slice(0, 8)} in its volume's nodes.conf` };
      }
      return { kind: 'adopt', answering: true, uptimeSeconds: seen.uptimeSeconds };
    }
    if (!pidAlive(pid)) return { kind: 'gone', why: `pid ${pid} exited while being checked` };
    if (Date.now() > deadline) return { kind: 'adopt', answering: false };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** pid, node id and uptime as the process on the member's port reports them; undefined when it does not answer. */
async function askIdentity(rec: MemberRecord, profile: ConnectionProfile): Promise<{ pid: number; nodeId?: string; uptimeSeconds: number } | undefined> {
  try {
    const c = await connectNode({ host: rec.host, port: rec.port }, { profile, timeoutMs: 500 });
    try {
      const info = parseInfo(String(await c.call('INFO', 'server')));
      const nodeId = await c.call('CLUSTER', 'MYID').then(String, () => undefined);
      return { pid: Number(info.get('process_id')), nodeId, uptimeSeconds: Number(info.get('uptime_in_seconds') ?? 0) };
    } finally {
      c.disconnect();
    }
  } catch {
    return undefined;
  }
}

/** The `myself` node id recorded in a volume's nodes.conf, if there is one. */
export async function nodeIdInVolume(dataDir: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, 'nodes.conf'), 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(' ')[2]?.split(',').includes('myself'));
  return line?.split(' ')[0];
}

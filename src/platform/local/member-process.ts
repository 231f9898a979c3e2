/**
 * One redis-server process for one member (a container): spawned with the member's
 * conf file (password inside, never on the command line), stdout/stderr appended to the
 * member's log file, ready when it answers PING.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { renderMemberConf } from '../../spec/redis-conf.js';
import { REDIS_SERVER } from './preflight.js';
import type { StateDir } from './state-dir.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedMember {
  proc: ChildProcess;
  pid: number;
  exited: Promise<ExitInfo>;
}

export interface SpawnInput {
  state: StateDir;
  name: string;
  host: string;
  port: number;
  password?: string;
}

/** Writes the member's conf for its (possibly new) address and starts redis-server. */
export async function spawnMember(m: SpawnInput): Promise<SpawnedMember> {
  const dataDir = m.state.memberData(m.name);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const confPath = m.state.memberConf(m.name);
  const conf = renderMemberConf({ sharedConfPath: m.state.sharedConf, host: m.host, port: m.port, dataDir, password: m.password });
  await writeFile(confPath, conf, { mode: 0o600 });
  const log = await open(m.state.memberLog(m.name), 'a', 0o600);
  let proc: ChildProcess;
  try {
    proc = spawn(REDIS_SERVER, [confPath], { stdio: ['ignore', log.fd, log.fd], cwd: dataDir });
  } finally {
    await log.close();
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    // A spawn failure (binary vanished) is reported as an exit too.
    proc.once('error', () => resolve({ code: 127, signal: null }));
  });
  if (proc.pid === undefined) {
    await exited;
    throw new Error(`${m.name}: could not start ${REDIS_SERVER}`);
  }
  return { proc, pid: proc.pid, exited };
}

/**
 * Resolves when the member answers PING (and has finished loading its data), rejects
 * when the process exits first or the deadline passes. Polls fast: readiness is ms here.
 */
export async function waitMemberReady(
  host: string,
  port: number,
  password: string | undefined,
  spawned: SpawnedMember,
  timeoutMs = 30_000,
): Promise<void> {
  let exited: ExitInfo | undefined;
  void spawned.exited.then((e) => (exited = e));
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`exited during start (${describeExit(exited)})`);
    const c = new Redis({
      host,
      port,
      password,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 1000,
      enableReadyCheck: false,
    });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping(); // LOADING while the AOF replays: keep polling
      return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      c.disconnect();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`did not answer PING within ${timeoutMs} ms (${lastError})`);
}

export function describeExit(e: ExitInfo): string {
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}

/**
 * One redis-server process for one member (a container): spawned with the member's
 * conf file (password inside, never on the command line), stdout/stderr appended to the
 * member's log file, ready when it answers PING.
 *
 * Members outlive the supervisor: each runs in its own session and process group
 * (Ctrl-C on a foreground `rck up` reaches the supervisor, which stops them in order;
 * a supervisor that is killed leaves them serving), so a new supervisor adopts the
 * running process instead of starting it again (adopt.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLOSED_NOTE, STOPPED_EMPTY_MARKER, mustStartClosed } from '../../spec/admission.js';
import { renderMemberConf } from '../../spec/redis-conf.js';
import type { RedisCluster } from '../../spec/schema.js';
import { resolveServerBinary } from './server-binary.js';
import { adoptedExit } from './adopted-exit.js';
import { signalPid } from './process-alive.js';
import type { StateDir } from './state-dir.js';
import { type ConnectionProfile, clientOptions } from '../../redis/profile.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running member process, started by this supervisor or adopted from an earlier one. */
export interface MemberProcess {
  pid: number;
  /** Resolves when the process is gone (an adopted one's exit status is unknown: code null, signal null). */
  exited: Promise<ExitInfo>;
  /** Sends a signal; harmless once the process has exited. */
  signal(sig: NodeJS.Signals): void;
  adopted: boolean;
  /** Started closed until the controller admits it (spec/admission.ts). */
  startedClosed?: boolean;
}

export interface SpawnInput {
  state: StateDir;
  /** The applied spec: persistence, TLS, the users and the server binary come from it. */
  cluster: RedisCluster;
  name: string;
  host: string;
  port: number;
  /** Never start closed (the loss was already reported; nothing is left to protect). */
  startOpen?: boolean;
}

/** Whether a volume holds an AOF (its data survives a restart with appendonly yes). */
export function aofOnVolume(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'appendonlydir')).then(
    () => true,
    () => false,
  );
}

/** Writes the member's conf for its (possibly new) address and starts redis-server. */
export async function spawnMember(m: SpawnInput): Promise<MemberProcess> {
  const dataDir = m.state.memberData(m.name);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const confPath = m.state.memberConf(m.name);
  const { persistence, tls: tlsSpec, auth, local } = m.cluster.spec;
  // The reads at once: each awaited read before the spawn adds to `up` (Redis's 2 s hold on a
  // new master counts from its start).
  const [stoppedEmpty, nodesConf, aofPresent, tls, users, password, keeper, binary] = await Promise.all([
    // Taken on every start, so a marker never outlives the stop that wrote it.
    rm(join(dataDir, STOPPED_EMPTY_MARKER)).then(
      () => true,
      () => false,
    ),
    readFile(join(dataDir, 'nodes.conf'), 'utf8').catch(() => undefined),
    aofOnVolume(dataDir),
    // The certificate is made or renewed here (tls-files.ts); the passwords were made by `up` (prepare.ts).
    tlsSpec.enabled ? m.state.tls.ensureMember(m.name, m.host).then((files) => ({ ...files, authClients: tlsSpec.authClients })) : undefined,
    Promise.all(auth.users.map(async (u) => ({ ...u, password: (await m.state.userPassword(u.name, true))! }))),
    m.state.password(m.cluster),
    m.state.keeperPasswords(m.cluster),
    resolveServerBinary(local.serverBinary),
  ]);
  const closed = !m.startOpen && mustStartClosed({ nodesConf, appendonly: persistence.enabled, aofPresent, stoppedEmpty });
  const conf = renderMemberConf({
    users,
    sharedConfPath: m.state.sharedConf,
    host: m.host,
    port: m.port,
    dataDir,
    password,
    closed,
    ...(keeper ? { keeper } : {}),
    ...(auth.defaultUser === 'off' ? { defaultUserOff: true } : {}),
    ...(tls ? { tls: { certFile: tls.cert, keyFile: tls.key, caFile: m.state.tls.ca.cert, authClients: tls.authClients } } : {}),
  });
  await writeFile(confPath, conf, { mode: 0o600 });
  // Opened and closed synchronously: an asynchronous close right after spawn, with other
  // members spawning at the same moment, lost the 'exit' event of children that exited at
  // once (Node 20, measured: 8 of 30), and a member that never reports its exit hangs
  // every start and stop waiting for it.
  const log = openSync(m.state.memberLog(m.name), 'a', 0o600);
  let proc: ChildProcess;
  try {
    if (closed) appendFileSync(log, `rck: ${CLOSED_NOTE}\n`);
    proc = spawn(binary, [confPath], { stdio: ['ignore', log, log], cwd: dataDir, detached: true });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    // A spawn failure (binary vanished) is reported as an exit too.
    proc.once('error', () => resolve({ code: 127, signal: null }));
  });
  if (proc.pid === undefined) {
    await exited;
    throw new Error(`${m.name}: could not start ${binary}`);
  }
  return { pid: proc.pid, exited, signal: (sig) => void proc.kill(sig), adopted: false, ...(closed ? { startedClosed: true } : {}) };
}

/** Watches a member process a previous supervisor started (verified by adopt.ts), serving on host:port. */
export function adoptProcess(pid: number, host: string, port: number): MemberProcess {
  return { pid, exited: adoptedExit(pid, host, port), signal: (sig) => signalPid(pid, sig), adopted: true };
}

/**
 * Resolves when the member answers PING (and has finished loading its data), rejects
 * when the process exits first or the deadline passes. Polls fast: readiness is ms here.
 */
export async function waitMemberReady(host: string, port: number, profile: ConnectionProfile, spawned: MemberProcess, timeoutMs = 30_000): Promise<void> {
  let exited: ExitInfo | undefined;
  void spawned.exited.then((e) => (exited = e));
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  // Loaded here, after the member is spawned: the client costs ~0.1 s of start-up.
  const { Redis } = await import('ioredis');
  while (Date.now() < deadline) {
    if (exited) throw new Error(`exited during start (${describeExit(exited)})`);
    const c = new Redis({
      host,
      port,
      ...clientOptions(profile),
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
  if (e.code === null && e.signal === null) return 'exit status unknown: adopted process';
  return e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
}

/**
 * Checks run before anything is started: the server binary (Redis or Valkey) present and
 * >= 7, ports free.
 * Each failure is one InputError line; nothing has been started or written yet.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../../errors.js';
import { type Engine, engineFromVersionLine } from '../../topology/engine.js';

const run = promisify(execFile);

/** The engine the binary is (Redis or Valkey) and its version; throws when missing or older than 7. */
export async function checkServerBinary(binary: string): Promise<Engine> {
  let out: string;
  try {
    out = (await run(binary, ['--version'], { timeout: 5000 })).stdout;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new InputError(`${basename(binary)} not found (looked for "${binary}"${binary.includes('/') ? '' : ' on PATH'})`, {
        subject: binary,
        hint: 'install Redis 7 or newer (Debian: sudo apt-get install redis-server), or Valkey 8, or name the binary in spec.local.serverBinary',
      });
    }
    throw new InputError(`${binary} --version failed: ${(err as Error).message.split('\n')[0]}`, { subject: binary });
  }
  const engine = engineFromVersionLine(out);
  if (!engine) throw new InputError(`${binary} --version printed no Redis or Valkey version: "${out.trim().slice(0, 80)}"`, { subject: binary });
  if (Number(engine.version.split('.')[0]) < 7) {
    throw new InputError(`${engine.name === 'valkey' ? 'valkey' : 'redis'}-server ${engine.version} is too old: rck needs Redis 7 or newer (or Valkey)`, {
      subject: binary,
    });
  }
  return engine;
}

/** True when `port` can be bound on `host` right now. */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Refuses a loopback address this OS cannot bind (macOS has only 127.0.0.1). */
export async function checkCanBind(host: string): Promise<void> {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new InputError(`--host ${host}: must be a loopback IPv4 address (127.x.y.z)`);
  const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const srv = createServer();
    srv.once('error', (e) => resolve(e));
    srv.listen({ port: 0, host }, () => srv.close(() => resolve(undefined)));
  });
  if (err) throw new InputError(`--host ${host}: this machine cannot listen on it (${err.code ?? err.message})`, { subject: host });
}

/** Both the client port and its cluster bus port (+10000) are free. */
export async function portPairFree(host: string, port: number): Promise<boolean> {
  return (await portFree(host, port)) && (await portFree(host, port + 10000));
}

/** Throws naming the first port (or bus port) that is taken. */
export async function checkPortsFree(host: string, ports: Array<{ port: number; member: string }>): Promise<void> {
  // Probed at once; the first busy one in member order is reported.
  const probes = ports.flatMap(({ port, member }) => [port, port + 10000].map((p) => ({ p, member, what: p === port ? 'port' : 'cluster bus port' })));
  const free = await Promise.all(probes.map(({ p }) => portFree(host, p)));
  const busy = probes.find((_, i) => !free[i]);
  if (busy) {
    throw new InputError(`${busy.what} ${host}:${busy.p} for member ${busy.member} is already in use`, {
      subject: `${host}:${busy.p}`,
      hint: 'choose a free range with spec.local.basePort, or stop what is using it',
    });
  }
}

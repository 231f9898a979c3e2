/**
 * The supervisor's control channel: a Unix socket (0600, in the state dir) taking one
 * JSON request line and answering one JSON line. `rck kill/restart/down/status` use it
 * so that only the supervisor ever starts or stops member processes.
 */
import { chmod, rm } from 'node:fs/promises';
import { type Server, createConnection, createServer } from 'node:net';
import type { WorkloadView } from '../../controller/cluster-view.js';
import { OperationError } from '../../errors.js';

export type ControlRequest =
  | { op: 'status' }
  | { op: 'kill'; member: string; loseVolume?: boolean }
  | { op: 'restart'; member: string; newAddress?: boolean; host?: string; noHandover?: boolean }
  | { op: 'stop-member'; member: string }
  | { op: 'start-member'; member: string }
  | { op: 'rollout-restart' }
  | { op: 'scale'; masters: number; replicasPerMaster: number }
  | { op: 'workload'; rate: Omit<WorkloadView, 'reportedAt'> }
  | { op: 'stop' };

type ControlResponse = { ok: true; result?: unknown } | { ok: false; error: string };

export async function serveControl(path: string, handle: (req: ControlRequest) => Promise<unknown>): Promise<Server> {
  await rm(path, { force: true }); // a stale socket from a supervisor that died
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => {});
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      void (async () => {
        let res: ControlResponse;
        try {
          res = { ok: true, result: await handle(JSON.parse(line) as ControlRequest) };
        } catch (err) {
          res = { ok: false, error: (err as Error).message };
        }
        sock.end(`${JSON.stringify(res)}\n`);
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return server;
}

/** Sends one request; throws OperationError when no supervisor answers. */
export function callControl<T = unknown>(path: string, req: ControlRequest, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const sock = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new OperationError(`supervisor did not answer "${req.op}" within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (c: string) => (buf += c));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new NotRunningError(err.code ?? err.message));
    });
    sock.on('end', () => {
      clearTimeout(timer);
      try {
        const res = JSON.parse(buf) as ControlResponse;
        if (res.ok) resolve(res.result as T);
        else reject(new OperationError(res.error));
      } catch {
        reject(new OperationError(`supervisor sent an unreadable answer to "${req.op}"`));
      }
    });
  });
}

/** No supervisor is listening (not running, or it died). */
export class NotRunningError extends OperationError {
  constructor(readonly reason: string) {
    super(`no supervisor is running for this cluster (${reason})`);
  }
}

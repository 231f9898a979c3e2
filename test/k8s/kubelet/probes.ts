/** Exec, TCP and HTTP probe and lifecycle-hook actions against one running container. */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { V1Container, V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';
import { type Identity, execInSandbox } from './sandbox.js';

export interface ProbeTarget {
  pid: number;
  env: ReadonlyMap<string, string>;
  podIP: string;
  container: V1Container;
  identity?: Identity;
  /** The container runs in an unpacked image: exec enters its root too. */
  inImage?: boolean;
}

function resolvePort(port: number | string | object, c: V1Container): number {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

function tcpCheck(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}

function httpCheck(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      const s = res.statusCode ?? 0;
      resolve(s >= 200 && s < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

type Action = Pick<V1Probe, 'exec' | 'tcpSocket' | 'httpGet'> & Pick<V1LifecycleHandler, 'sleep'>;

/** Runs a probe or hook action; true when it succeeded. Never rejects: an error is a failure. */
export async function runAction(a: Action, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  try {
    return await act(a, t, timeoutMs);
  } catch {
    return false;
  }
}

async function act(a: Action, t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  if (a.exec?.command?.length) return (await execInSandbox(t.pid, a.exec.command, t.env, timeoutMs, t.identity, t.inImage)).code === 0;
  if (a.tcpSocket) return tcpCheck(a.tcpSocket.host ?? t.podIP, resolvePort(a.tcpSocket.port, t.container), timeoutMs);
  if (a.httpGet) {
    return httpCheck(a.httpGet.host ?? t.podIP, resolvePort(a.httpGet.port, t.container), a.httpGet.path ?? '/', timeoutMs);
  }
  if (a.sleep) {
    await new Promise((r) => setTimeout(r, Math.min(a.sleep!.seconds * 1000, timeoutMs)));
    return true;
  }
  return false; // grpc probes are not supported: report failure rather than pretend
}

export const probeTimeoutMs = (p: V1Probe) => (p.timeoutSeconds ?? 1) * 1000;

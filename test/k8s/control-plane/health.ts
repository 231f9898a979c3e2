/** Waits until a component answers 200 on a health URL, failing early if its process exits. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type Managed, logTail, sleep } from '../process.js';

export interface TlsClient {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export function httpsGet(url: string, tls: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Components other than the API server serve a self-signed loopback certificate.
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { ...tls, rejectUnauthorized: Boolean(tls.ca), timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export class ComponentFailed extends Error {
  constructor(component: string, why: string, tail: string) {
    super(`${component} ${why}; last log lines:\n${tail}`);
    this.name = 'ComponentFailed';
  }
}

export async function waitHealthy(m: Managed, url: string, tls: TlsClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (m.proc.exitCode !== null || m.proc.signalCode !== null) {
      throw new ComponentFailed(m.name, `exited (${m.proc.exitCode ?? m.proc.signalCode}) before becoming healthy`, await logTail(m.logFile));
    }
    try {
      const res = await httpsGet(url, tls);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new ComponentFailed(m.name, `not healthy at ${url} after ${timeoutMs / 1000} s (last: ${last})`, await logTail(m.logFile));
}

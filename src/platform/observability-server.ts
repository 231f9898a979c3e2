/**
 * The HTTP endpoint of the supervisor and the operator: `/metrics` (Prometheus text from
 * RckMetrics, computed from what the controller already saw: a scrape queries no node)
 * and whatever other GET routes the caller adds (the live web view). Loopback by default.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorText } from '../errors.js';
import type { RckMetrics } from '../controller/metrics.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ObservabilityServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

/** `fallback` answers GETs no route matches (the operator's per-cluster pages). */
export async function serveObservability(host: string, port: number, metrics: RckMetrics, routes: Record<string, Route> = {}, fallback?: Route): Promise<ObservabilityServer> {
  const all: Record<string, Route> = {
    ...routes,
    '/metrics': async (_req, res) => {
      const body = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(body);
    },
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = all[path] ?? fallback;
    if (req.method !== 'GET' || !route) {
      res.writeHead(req.method !== 'GET' ? 405 : 404, { 'content-type': 'text/plain' });
      res.end(req.method !== 'GET' ? 'only GET\n' : `no such page: ${path}\n`);
      return;
    }
    Promise.resolve(route(req, res)).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${errorText(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${shown}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // SSE streams and keep-alive scrapers would hold close() open
      }),
  };
}

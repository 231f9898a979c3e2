/**
 * The operator's web view: `/` lists the RedisClusters it keeps, and
 * `/clusters/<namespace>/<name>/` is the same live page the local supervisor serves
 * (platform/web-view), for that cluster. Reach it with
 * `kubectl port-forward deploy/rck-operator 9108` (with --metrics-address beyond loopback).
 */
import type { RckMetrics } from '../../controller/metrics.js';
import type { Route } from '../observability-server.js';
import { webViewRoutes } from '../web-view/routes.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function operatorWebRoutes(metrics: RckMetrics): { routes: Record<string, Route>; fallback: Route } {
  const perCluster = new Map<string, Record<string, Route>>();
  const index: Route = (_req, res) => {
    const items = metrics.recorders().map((r) => {
      const { namespace, cluster } = r.labels;
      const ready = r.facts()?.cluster.conditions.Ready;
      return `<li><a href="clusters/${encodeURIComponent(namespace)}/${encodeURIComponent(cluster)}/">${esc(namespace)}/${esc(cluster)}</a> ${ready === undefined ? 'not observed yet' : ready ? 'Ready' : 'not Ready'}</li>`;
    });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><meta charset="utf-8"><title>rck operator</title><h1>RedisClusters</h1><ul>${items.join('') || '<li>none kept</li>'}</ul><p><a href="metrics">/metrics</a></p>`,
    );
  };
  const fallback: Route = (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const m = /^\/clusters\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    const labels = m ? { namespace: decodeURIComponent(m[1]!), cluster: decodeURIComponent(m[2]!) } : undefined;
    const recorder = labels && metrics.find(labels);
    if (!m || !recorder) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(m ? `no RedisCluster ${labels!.namespace}/${labels!.cluster} is kept by this operator\n` : `no such page: ${path}\n`);
      return;
    }
    if (!m[3]) {
      res.writeHead(301, { location: `${path}/` }); // the page loads api/stream relative to its own address
      res.end();
      return;
    }
    const key = `${labels!.namespace}/${labels!.cluster}`;
    let routes = perCluster.get(key);
    if (!routes) perCluster.set(key, (routes = webViewRoutes(recorder, () => recorder.recentEvents)));
    const route = routes[m[3]];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`no such page: ${path}\n`);
      return;
    }
    return route(req, res);
  };
  return { routes: { '/': index }, fallback };
}

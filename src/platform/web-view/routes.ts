/**
 * The live web view's HTTP routes: `/` (one self-contained page, no CDN), `/api/view`
 * (the ClusterView JSON) and `/api/stream` (Server-Sent Events: the view again after every
 * controller pass and idle probe, at most every 200 ms). Views are built only while someone
 * watches, so an idle supervisor with no browser open does no extra work.
 */
import type { ServerResponse } from 'node:http';
import { type ViewEvent, clusterView } from '../../controller/cluster-view.js';
import type { ClusterRecorder } from '../../controller/metrics.js';
import type { Route } from '../observability-server.js';
import { WEB_VIEW_PAGE } from './page.js';

const THROTTLE_MS = 200;

export function webViewRoutes(recorder: ClusterRecorder, events: () => readonly ViewEvent[]): Record<string, Route> {
  const view = () => {
    const s = recorder.snapshot();
    if (!s) return undefined;
    const v = clusterView({ cluster: recorder.labels.cluster, ...s, events: events() });
    if (s.dataLoss !== undefined) v.facts.conditions.DataLoss = s.dataLoss;
    return v;
  };
  const streams = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  const push = () => {
    timer = undefined;
    const v = view();
    if (!v) return;
    const frame = `event: view\ndata: ${JSON.stringify(v)}\n\n`;
    for (const res of streams) res.write(frame);
  };
  recorder.onChange(() => {
    if (streams.size > 0 && !timer) timer = setTimeout(push, THROTTLE_MS);
  });
  return {
    '/': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(WEB_VIEW_PAGE);
    },
    '/api/view': (_req, res) => {
      const v = view();
      res.writeHead(v ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v ?? { error: 'no controller pass yet' }));
    },
    '/api/stream': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      const v = view();
      res.write(v ? `event: view\ndata: ${JSON.stringify(v)}\n\n` : ': waiting for the first pass\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
    },
  };
}

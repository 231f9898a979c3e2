/**
 * The alert rules (rck render monitoring) and the Grafana dashboard (deploy/grafana): every
 * PromQL expression parses with the Prometheus project's own PromQL grammar
 * (@prometheus-io/lezer-promql, the one the Prometheus UI uses), and every rck_* series it
 * names is one RckMetrics serves. The tools' own validators (promtool, Grafana's dashboard
 * schema) run in test/integration/monitoring-tools.test.ts.
 */
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { RckMetrics } from '../../src/controller/metrics.js';
import { METRICS_PORT, alertRules, renderMonitoring } from '../../src/manifests/monitoring.js';

const served = async () => {
  const names = new Set<string>();
  for (const m of await new RckMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (m.type === ('histogram' as never)) for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
};

/** Syntax errors in a PromQL expression, as the positions the parser could not read. */
function promqlErrors(expr: string): number[] {
  const out: number[] = [];
  parser.parse(expr).iterate({ enter: (n) => void (n.type.isError ? out.push(n.from) : undefined) });
  return out;
}

const metricNames = (expr: string) => [...expr.matchAll(/\brck_[a-z_]+/g)].map((m) => m[0]);

describe('monitoring: alerts and dashboard', () => {
  it('renders a Service, a ServiceMonitor keeping the series labels, and a PrometheusRule with the alerts the issue asks for', () => {
    const [svc, sm, rule] = renderMonitoring({ namespace: 'ops', selectorLabels: { release: 'kps' } }) as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed manifests
    expect([svc.kind, sm.kind, rule.kind]).toEqual(['Service', 'ServiceMonitor', 'PrometheusRule']);
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: METRICS_PORT, targetPort: METRICS_PORT, protocol: 'TCP' }]);
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', honorLabels: true });
    for (const o of [svc, sm, rule]) expect(o.metadata).toMatchObject({ namespace: 'ops', labels: { release: 'kps' } });
    const names = rule.spec.groups[0].rules.map((r: { alert: string }) => r.alert);
    expect(names).toEqual(
      expect.arrayContaining(['RckShardWithoutMaster', 'RckMasterWithoutReplica', 'RckDataLoss', 'RckClusterNotReady', 'RckReplicationLag', 'RckMemoryNearMax']),
    );
  });

  it('every alert expression parses as PromQL and names only served series', async () => {
    const known = await served();
    for (const r of alertRules()) {
      expect(promqlErrors(r.expr), r.alert).toEqual([]);
      expect(metricNames(r.expr).length, r.alert).toBeGreaterThan(0);
      for (const n of metricNames(r.expr)) expect(known.has(n), `${r.alert}: ${n}`).toBe(true);
      expect(r.for).toMatch(/^\d+[sm]$/);
    }
  });

  it('the Grafana dashboard: unique panel ids on a 24-column grid, every query parses as PromQL and names only served series', async () => {
    const known = await served();
    const dash = JSON.parse(readFileSync(new URL('../../deploy/grafana/rck-dashboard.json', import.meta.url), 'utf8'));
    expect(dash.uid).toBe('rck-cluster');
    const ids = dash.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    let queries = 0;
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      for (const t of p.targets ?? []) {
        queries++;
        const expr = String(t.expr).replaceAll('$namespace', '.*').replaceAll('$cluster', '.*');
        expect(promqlErrors(expr), `${p.title}: ${t.expr}`).toEqual([]);
        for (const n of metricNames(expr)) expect(known.has(n), `${p.title}: ${n}`).toBe(true);
      }
    }
    expect(queries).toBeGreaterThan(20);
    // Its variables list the clusters the metrics label.
    expect(dash.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'namespace', 'cluster']);
  });
});

/**
 * The monitoring artefacts in their own tools' validators (issue 18), built from their Go
 * modules (testenv/monitoring, pinned by go.sum) once and cached outside the repository:
 * - promtool (Prometheus's): `check rules` on the PrometheusRule's rule groups, and
 *   `check metrics` (its text-format parser and naming lint) on the /metrics text;
 * - grafana-check: Grafana's dashboard schema as the Grafana Foundation SDK generates it
 *   (strict decode, panel options by their plugin's schema, then the schema's constraints).
 * Each check is also shown to fail on a broken copy, so a tool that accepts anything fails here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RckMetrics } from '../../src/controller/metrics.js';
import { alertRules } from '../../src/manifests/monitoring.js';
import { observation, seedMembers } from '../unit/heal-fixtures.js';

const BUILD = fileURLToPath(new URL('../../testenv/monitoring/build.sh', import.meta.url));
const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/rck-dashboard.json', import.meta.url));

interface Run {
  code: number;
  out: string;
}

function run(bin: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? Number(err.code) : 0, out: `${stdout}${stderr}` });
    });
    child.stdin!.end(stdin ?? '');
  });
}

let tools: string;
let dir: string;
beforeAll(async () => {
  const built = await run(BUILD, []);
  if (built.code !== 0) throw new Error(`testenv/monitoring/build.sh failed: ${built.out}`);
  tools = built.out.trim().split('\n').at(-1)!;
  dir = await mkdtemp(join(tmpdir(), 'rck-monitoring-'));
}, 60 * 60_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const promtool = (args: string[], stdin?: string) => run(join(tools, 'promtool'), args, stdin);
const grafanaCheck = (file: string) => run(join(tools, 'grafana-check'), [file]);

describe('the monitoring tools validate what rck ships', { timeout: 60_000 }, () => {
  it(`promtool check rules: the PrometheusRule's ${alertRules().length} alerts; a broken expression is refused`, async () => {
    const rules = join(dir, 'rules.yaml');
    await writeFile(rules, stringify({ groups: [{ name: 'rck.rules', rules: alertRules() }] }));
    const good = await promtool(['check', 'rules', rules]);
    expect(good.out).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(good.code).toBe(0);

    const broken = join(dir, 'broken.yaml');
    const [first, ...rest] = alertRules();
    await writeFile(broken, stringify({ groups: [{ name: 'rck.rules', rules: [{ ...first!, expr: `${first!.expr} ==` }, ...rest] }] }));
    const bad = await promtool(['check', 'rules', broken]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/parse error/);
  });

  it('promtool check metrics: the /metrics text of a 3x1 cluster has no problem; a counter without _total is named', async () => {
    const m = new RckMetrics();
    const obs = observation(seedMembers());
    m.cluster({ namespace: '', cluster: 'r' }).passed({
      obs,
      conditions: [],
      desired: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' },
      durationMs: 3,
    });
    const text = await m.text();
    expect(text).toContain('rck_cluster_slots_served');
    const good = await promtool(['check', 'metrics'], text);
    expect(good.out.trim()).toBe('');
    expect(good.code).toBe(0);

    const bad = await promtool(['check', 'metrics'], '# HELP rck_things Things.\n# TYPE rck_things counter\nrck_things 1\n');
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/rck_things.*counter metrics should have "_total" suffix/);
  });

  it('grafana-check: the dashboard is valid; a copy with an unknown panel field is not', async () => {
    const good = await grafanaCheck(DASHBOARD);
    expect(good.out).toContain('valid');
    expect(good.code).toBe(0);

    const dash = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Record<string, unknown>[] };
    dash.panels[1] = { ...dash.panels[1], colour: 'red' };
    const broken = join(dir, 'broken-dashboard.json');
    await writeFile(broken, JSON.stringify(dash));
    const bad = await grafanaCheck(broken);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/panels\[1\].*unexpected field 'colour'/);
  });
});

/**
 * What idle clusters cost the operator: `rck operator` (from dist/, outside the cluster, as
 * users run it, with its default pass interval) on the test control plane, keeping 1, 4
 * and 16 RedisClusters of 3 masters x 1 replica that are Ready and quiet. For each count,
 * after the clusters settle: the operator's CPU (% of one core) and RSS over a quiet
 * window, and what that costs per cluster against the operator with no cluster.
 * Usage: npm run build && npx vite-node bench/operator-idle.ts [seconds=30] [counts=1,4,16]
 * RCK_BENCH_COUNT=1 also prints, per window, the operator's API requests, new connections and
 * Redis round trips per cluster per second (bench/count-calls.mjs): counts that CPU noise does
 * not change. RCK_BENCH_NODE_ARGS: node flags for the operator (e.g. --cpu-prof --cpu-prof-dir=DIR).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type redisClusterCrd } from '../src/manifests/crd.js';
import { OPERATOR_NODE_OPTIONS } from '../src/manifests/operator.js';
import { Applier } from '../src/platform/kubernetes/apply.js';
import { startK8sTestEnv, waitForDefaultServiceAccount } from '../test/k8s/harness.js';

const seconds = Number(process.argv[2] ?? 30);
const counts = (process.argv[3] ?? '1,4,16').split(',').map(Number);
const NS = 'rck-idle';
// RCK_BENCH_MAIN: another build's dist/cli/main.js, to compare before and after a change.
const MAIN = process.env.RCK_BENCH_MAIN ?? join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const COUNT = process.env.RCK_BENCH_COUNT === '1';
const COUNT_FILE = join(tmpdir(), `rck-idle-counts-${process.pid}.json`);
const TICKS = 100;
// The CRD of the build measured: the working tree's schema may default fields an older build refuses.
const crdOfBuild = (await import(pathToFileURL(join(dirname(MAIN), '..', 'manifests', 'crd.js')).href)) as { redisClusterCrd: typeof redisClusterCrd };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}
const rssMb = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

interface Counts {
  requests: Record<string, number>;
  tlsConnects: number;
  tcpConnects: number;
  redisCommands: number;
  redisRoundTrips: number;
  byCommand: Record<string, number>;
}
async function readCounts(pid: number): Promise<Counts | undefined> {
  if (!COUNT) return undefined;
  process.kill(pid, 'SIGUSR2');
  await sleep(200);
  return JSON.parse(await readFile(COUNT_FILE, 'utf8')) as Counts;
}

/** What the window's counts come to per cluster per second. */
function rates(a: Counts, b: Counts, s: number, n: number): string {
  const per = (x: number) => (x / s / n).toFixed(2);
  const reqs = Object.entries(b.requests)
    .map(([k, v]) => [k, v - (a.requests[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  const total = reqs.reduce((t, [, v]) => t + v, 0);
  const lines = reqs.map(([k, v]) => `      ${per(v)} ${k}`).join('\n');
  // ACL GETUSER is only in a full pass's readNode (one per member): passes = acl / members.
  const commands = Object.entries(b.byCommand)
    .map(([k, v]) => `${k} ${per(v - (a.byCommand[k] ?? 0))}`)
    .join(', ');
  return (
    `    per cluster per second: ${per(total)} API requests, ${per(b.tlsConnects - a.tlsConnects)} TLS and ${per(b.tcpConnects - a.tcpConnects)} TCP connects, ` +
    `${per(b.redisRoundTrips - a.redisRoundTrips)} Redis round trips (${per(b.redisCommands - a.redisCommands)} commands: ${commands})${lines ? `\n${lines}` : ''}`
  );
}

async function window(pid: number, n = 1): Promise<{ cpu: number; rss: number; counted?: string }> {
  const k0 = await readCounts(pid);
  const c0 = await cpuSeconds(pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const cpu = ((await cpuSeconds(pid)) - c0) / ((Date.now() - t0) / 1000);
  const k1 = await readCounts(pid);
  const counted = k0 && k1 ? rates(k0, k1, (Date.now() - t0) / 1000, n) : undefined;
  return { cpu, rss: await rssMb(pid), ...(counted ? { counted } : {}) };
}

const env = await startK8sTestEnv({ progress: (l) => console.error(`[k8s] ${l}`) });
let operator: ChildProcess | undefined;
try {
  const core = env.kc.makeApiClient(CoreV1Api);
  const custom = env.kc.makeApiClient(CustomObjectsApi);
  await new Applier(env.kc).apply(crdOfBuild.redisClusterCrd());
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitForDefaultServiceAccount(env.kc, NS);
  // As the install bundle runs it (its NODE_OPTIONS).
  const nodeArgs = (process.env.RCK_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  if (COUNT) nodeArgs.push('--import', pathToFileURL(join(import.meta.dirname, 'count-calls.mjs')).href);
  operator = spawn(process.execPath, [...nodeArgs, MAIN, 'operator', '--kubeconfig', env.kubeconfigPath, '-n', NS], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, NODE_OPTIONS: OPERATOR_NODE_OPTIONS, RCK_COUNT_FILE: COUNT_FILE },
  });
  const pid = operator.pid!;
  await sleep(5000);
  const base = await window(pid);
  console.log(`operator, no cluster: ${(base.cpu * 100).toFixed(2)}% of a core, RSS ${base.rss.toFixed(0)} MB`);
  let created = 0;
  for (const n of counts) {
    for (; created < n; created++) {
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisCluster', metadata: { name: `idle-${created}` }, spec: {} },
      });
    }
    const t0 = Date.now();
    for (;;) {
      const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL })) as {
        items: { status?: { phase?: string } }[];
      };
      if (list.items.filter((o) => o.status?.phase === 'Ready').length === n) break;
      if (Date.now() - t0 > 15 * 60_000) throw new Error(`${n} clusters not Ready after 15 minutes`);
      await sleep(1000);
    }
    await sleep(10_000); // settle: replicas synced, the controllers' passes settled
    const w = await window(pid, n);
    console.log(
      `${String(n).padStart(2)} idle cluster(s): operator ${(w.cpu * 100).toFixed(2)}% of a core, RSS ${w.rss.toFixed(0)} MB; ` +
        `per cluster ${(((w.cpu - base.cpu) / n) * 100).toFixed(3)}% of a core, ${((w.rss - base.rss) / n).toFixed(1)} MB (${((Date.now() - t0) / 1000).toFixed(0)} s to Ready + settle)`,
    );
    if (w.counted) console.log(w.counted);
  }
} finally {
  operator?.kill('SIGTERM');
  if (operator && operator.exitCode === null) await new Promise((r) => operator!.once('exit', r));
  await env.stop();
}
// Seen once (2026-12-02): after the control plane stopped, the process stayed busy and never
// exited; everything it measured is printed by now.
process.exit();

/**
 * What idle clusters cost the operator: `rck operator` (from dist/, outside the cluster, as
 * users run it, with its default pass interval) on the test control plane, keeping 1, 4
 * and 16 RedisClusters of 3 masters x 1 replica that are Ready and quiet. For each count,
 * after the clusters settle: the operator's CPU (% of one core) and RSS over a quiet
 * window, and what that costs per cluster against the operator with no cluster.
 * Usage: npm run build && npx vite-node bench/operator-idle.ts [seconds=30] [counts=1,4,16]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, redisClusterCrd } from '../src/manifests/crd.js';
import { OPERATOR_NODE_OPTIONS } from '../src/manifests/operator.js';
import { Applier } from '../src/platform/kubernetes/apply.js';
import { startK8sTestEnv, waitForDefaultServiceAccount } from '../test/k8s/harness.js';

const seconds = Number(process.argv[2] ?? 30);
const counts = (process.argv[3] ?? '1,4,16').split(',').map(Number);
const NS = 'rck-idle';
// RCK_BENCH_MAIN: another build's dist/cli/main.js, to compare before and after a change.
const MAIN = process.env.RCK_BENCH_MAIN ?? join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const TICKS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}
const rssMb = async (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function window(pid: number): Promise<{ cpu: number; rss: number }> {
  const c0 = await cpuSeconds(pid);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return { cpu: ((await cpuSeconds(pid)) - c0) / ((Date.now() - t0) / 1000), rss: await rssMb(pid) };
}

const env = await startK8sTestEnv({ progress: (l) => console.error(`[k8s] ${l}`) });
let operator: ChildProcess | undefined;
try {
  const core = env.kc.makeApiClient(CoreV1Api);
  const custom = env.kc.makeApiClient(CustomObjectsApi);
  await new Applier(env.kc).apply(redisClusterCrd());
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitForDefaultServiceAccount(env.kc, NS);
  // As the install bundle runs it (its NODE_OPTIONS).
  operator = spawn(process.execPath, [MAIN, 'operator', '--kubeconfig', env.kubeconfigPath, '-n', NS], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, NODE_OPTIONS: OPERATOR_NODE_OPTIONS },
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
    const w = await window(pid);
    console.log(
      `${String(n).padStart(2)} idle cluster(s): operator ${(w.cpu * 100).toFixed(2)}% of a core, RSS ${w.rss.toFixed(0)} MB; ` +
        `per cluster ${(((w.cpu - base.cpu) / n) * 100).toFixed(3)}% of a core, ${((w.rss - base.rss) / n).toFixed(1)} MB (${((Date.now() - t0) / 1000).toFixed(0)} s to Ready + settle)`,
    );
  }
} finally {
  operator?.kill('SIGTERM');
  if (operator && operator.exitCode === null) await new Promise((r) => operator!.once('exit', r));
  await env.stop();
}

/**
 * Rebalance bench: two identical fresh clusters (3 masters holding N keys of
 * 64 bytes, plus a 4th empty master) built in one run; redis-cli --cluster
 * rebalance --cluster-use-empty-masters on one, rck rebalance
 * --use-empty-masters on the other, each with a live client measuring latency.
 * Prints keys/s of both, the ratio (over each command's wall time, and over the
 * slot-moving phase alone) and the live client's p99.
 *
 *   npm run build && npx vite-node bench/rebalance.ts [-- --keys 200000] [-- --rck-args="--batch-slots 64"]
 *
 * The machine is shared: compare the ratio from one run, not absolute figures across runs.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { addNode } from '../src/ops/add-node.js';
import { createCluster } from '../src/ops/create.js';
import { parseAddress } from '../src/redis/address.js';
import { observeCluster } from '../src/topology/observe.js';
import { loadKeys } from '../test/support/load-keys.js';
import { runRck } from '../test/support/rck.js';
import { TestNodes } from '../test/support/redis-nodes.js';
import { TEST_ENGINE, cliBinary } from '../test/support/engine.js';
import { type LatencyReport, startLatencyProbe } from './latency-probe.js';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '200000' },
    'rck-args': { type: 'string', default: '' },
    only: { type: 'string', default: 'both' },
    replicas: { type: 'string', default: '0' },
  },
});
const KEYS = Number(values.keys);
/** Replicas per original master (Valkey 8 makes each SETSLOT wait for them). */
const REPLICAS = Number(values.replicas);

interface Run {
  tool: string;
  seconds: number;
  /** Slot moving alone: rck reports it; redis-cli's is from its first "Moving" line to its exit. */
  moveSeconds?: number;
  keysMoved: number;
  keysPerSec: number;
  latency: LatencyReport;
}

async function buildCluster(): Promise<TestNodes> {
  const members = 3 * (1 + REPLICAS);
  const set = await TestNodes.start(members + 1, { nodeTimeoutMs: 5000 });
  try {
    await createCluster({
      nodes: set.addresses.slice(0, members).map((a) => ({ address: parseAddress(a) })),
      replicasPerMaster: REPLICAS,
      placement: 'ordinal',
    });
    await addNode({ seeds: [parseAddress(set.addresses[0]!)], node: parseAddress(set.addresses[members]!), asReplica: false });
    await loadKeys(set.nodes[0]!, KEYS);
    return set;
  } catch (err) {
    await set.stop();
    throw err;
  }
}

async function totalKeys(set: TestNodes): Promise<{ total: number; onNew: number }> {
  const model = await observeCluster([parseAddress(set.addresses[0]!)]);
  const newId = model.nodes.find((n) => n.address.port === set.nodes[set.nodes.length - 1]!.port)!;
  return { total: model.nodes.filter((m) => m.self?.role === 'master').reduce((n, m) => n + m.keys, 0), onNew: newId.keys };
}

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
  /** redis-cli: seconds from its first "Moving" line to its exit, its slot-moving phase. */
  moveSeconds?: number;
}

/** redis-cli with its output unbuffered (stdbuf), noting when it starts moving slots. */
function runRedisCli(args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn('stdbuf', ['-o0', cliBinary(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let movingFrom: bigint | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (movingFrom === undefined && /Moving \d+ slots/.test(stdout)) movingFrom = process.hrtime.bigint();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const moveSeconds = movingFrom === undefined ? undefined : Number(process.hrtime.bigint() - movingFrom) / 1e9;
      resolve({ code: code ?? 1, stdout, stderr, moveSeconds });
    });
  });
}

async function measure(tool: string, set: TestNodes, cmd: () => Promise<Finished>): Promise<Run> {
  const probe = startLatencyProbe(set.nodes, KEYS);
  await new Promise((r) => setTimeout(r, 300)); // let the probe connect and warm up
  const t0 = process.hrtime.bigint();
  const r = await cmd();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const latency = await probe.stop();
  if (r.code !== 0) throw new Error(`${tool} failed (${r.code}): ${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`);
  const { total, onNew } = await totalKeys(set);
  if (total !== KEYS) throw new Error(`${tool}: ${total} keys in the cluster after the move, expected ${KEYS}`);
  const reported = /moved \d+ slot\(s\) and \d+ key\(s\) in (\d+) ms/.exec(r.stdout);
  const moveSeconds = reported ? Number(reported[1]) / 1000 : r.moveSeconds;
  return { tool, seconds, moveSeconds, keysMoved: onNew, keysPerSec: onNew / seconds, latency };
}

function show(r: Run): string {
  const l = r.latency;
  const move = r.moveSeconds ? ` (slot moving itself: ${r.moveSeconds.toFixed(2)} s)` : '';
  return `${r.tool.padEnd(10)} moved ${r.keysMoved} keys in ${r.seconds.toFixed(2)} s${move} = ${Math.round(r.keysPerSec)} keys/s; live client: ${l.ops} ops, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms, max ${l.maxMs.toFixed(1)} ms, errors ${l.errors}`;
}

const sets: TestNodes[] = [];
try {
  process.stderr.write(`[engine ${TEST_ENGINE}] building two clusters of 3 masters x ${REPLICAS} replica(s) with ${KEYS} keys + 1 empty master\n`);
  const [a, b] = await Promise.all([buildCluster(), buildCluster()]);
  sets.push(a, b);
  const runs: Run[] = [];
  if (values.only !== 'rck') {
    runs.push(await measure(basename(cliBinary()), a, () => runRedisCli(['--cluster', 'rebalance', a.addresses[0]!, '--cluster-use-empty-masters'])));
    process.stdout.write(`${show(runs[runs.length - 1]!)}\n`);
  }
  if (values.only !== 'redis-cli') {
    const extra = values['rck-args'] ? values['rck-args'].split(/\s+/) : [];
    runs.push(await measure('rck', b, () => runRck(['rebalance', b.addresses[0]!, '--use-empty-masters', '--yes', ...extra], {}, 600_000)));
    process.stdout.write(`${show(runs[runs.length - 1]!)}\n`);
  }
  if (runs.length === 2) {
    const [cli, rck] = runs as [Run, Run];
    const moving = cli.moveSeconds && rck.moveSeconds ? `; slot moving alone: ${(cli.moveSeconds / rck.moveSeconds).toFixed(1)}x` : '';
    process.stdout.write(`ratio rck/redis-cli (keys/s over each command's wall time): ${(rck.keysPerSec / cli.keysPerSec).toFixed(1)}x${moving}\n`);
  }
  await mkdir('bench/results', { recursive: true });
  await writeFile(
    `bench/results/rebalance-${Date.now()}.json`,
    JSON.stringify({ engine: TEST_ENGINE, replicas: REPLICAS, keys: KEYS, rckArgs: values['rck-args'], runs }, null, 2),
  );
} finally {
  await Promise.all(sets.map((s) => s.stop()));
}

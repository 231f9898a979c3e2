#!/usr/bin/env node
// rck create vs redis-cli --cluster create on fresh nodes with Redis's default settings
// (no tuned flags: repl-diskless-sync-delay 5, cluster-node-timeout 15000), same run.
// Usage: node bench/create.mjs [rounds=5] [masters=3] [replicas=1]   (after `npm run build`)
//   node bench/create.mjs 3 10 2   -> 30 nodes, 10 masters x 2 replicas
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { median, startNodes } from './nodes.mjs';
import { CLI, ENGINE } from './engine.mjs';

const rounds = Number(process.argv[2] ?? 5);
const masters = Number(process.argv[3] ?? 3);
const replicas = Number(process.argv[4] ?? 1);
const count = masters * (replicas + 1);
const rck = fileURLToPath(new URL('../bin/rck', import.meta.url));
// Redis holds a master that started less than 2 s ago in cluster_state:fail
// (CLUSTER_WRITABLE_DELAY); let nodes age past it so both tools are timed on their own work.
const NODE_AGE_MS = 2500;

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} failed: ${stderr || err.message}`)) : resolve(performance.now() - t)));
  });
}

/** Every node at cluster_state:ok; `synced`: also `replicas` replicas per master with their link up. */
async function state(clients) {
  const infos = await Promise.all(clients.map(async (c) => [await c.call('CLUSTER', 'INFO'), await c.info('replication')]));
  const ok = infos.every(([ci]) => /cluster_state:ok/.test(ci));
  const linked = infos.filter(([, r]) => /role:slave/.test(r) && /master_link_status:up/.test(r)).length;
  return { ok, synced: ok && linked === masters * replicas };
}

async function timeTool(argsFor) {
  const nodes = await startNodes(count, [], { redisDefaults: true });
  const clients = nodes.ports.map((port) => new Redis({ port, host: '127.0.0.1', lazyConnect: true }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await new Promise((r) => setTimeout(r, NODE_AGE_MS));
    const t0 = performance.now();
    const returned = await run(...argsFor(nodes.addresses));
    let ok;
    let synced;
    while (synced === undefined) {
      const s = await state(clients);
      if (s.ok && ok === undefined) ok = performance.now() - t0;
      if (s.synced) synced = performance.now() - t0;
      else await new Promise((r) => setTimeout(r, 5));
    }
    return { returned, ok, synced };
  } finally {
    for (const c of clients) c.disconnect();
    await nodes.stop();
  }
}

const results = { 'redis-cli': [], rck: [] };
for (let i = 0; i < rounds; i++) {
  results['redis-cli'].push(await timeTool((a) => [CLI, ['--cluster', 'create', ...a, '--cluster-replicas', String(replicas), '--cluster-yes']]));
  results.rck.push(await timeTool((a) => [process.execPath, [rck, 'create', '--replicas', String(replicas), ...a]]));
  const f = (r) => `returned ${r.returned.toFixed(0)}, ok ${r.ok.toFixed(0)}, synced ${r.synced.toFixed(0)} ms`;
  process.stderr.write(`round ${i + 1}/${rounds}: redis-cli ${f(results['redis-cli'][i])}; rck ${f(results.rck[i])}\n`);
}
const m = (tool, k) => median(results[tool].map((r) => r[k]));
const range = (tool, k) => `${Math.min(...results[tool].map((r) => r[k])).toFixed(0)}-${Math.max(...results[tool].map((r) => r[k])).toFixed(0)}`;
console.log(`[engine ${ENGINE}] create ${masters} masters x ${replicas} replica(s) (${count} nodes, Redis defaults), median of ${rounds} rounds on fresh nodes (ms; range):`);
for (const tool of ['redis-cli', 'rck']) {
  console.log(
    `  ${tool.padEnd(9)} returns ${m(tool, 'returned').toFixed(0)} (${range(tool, 'returned')}), every node cluster_state:ok ${m(tool, 'ok').toFixed(0)} (${range(tool, 'ok')}), replicas synced ${m(tool, 'synced').toFixed(0)} (${range(tool, 'synced')})`,
  );
}
console.log(`  rck returned (ok and synced) / redis-cli until every node ok: ${(m('rck', 'returned') / m('redis-cli', 'ok')).toFixed(2)}`);
console.log(`  rck returned / redis-cli until ok and replicas synced:       ${(m('rck', 'returned') / m('redis-cli', 'synced')).toFixed(2)}`);

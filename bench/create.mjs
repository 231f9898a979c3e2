#!/usr/bin/env node
// rck create vs redis-cli --cluster create, 3 masters x 1 replica, on fresh nodes, same run.
// Usage: node bench/create.mjs [rounds=5]   (after `npm run build`)
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, startNodes } from './nodes.mjs';

const rounds = Number(process.argv[2] ?? 5);
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

function clusterReady(ports) {
  return ports.every((p) => /cluster_state:ok/.test(execFileSync('redis-cli', ['-p', String(p), 'cluster', 'info']).toString()));
}

async function timeTool(name, argsFor) {
  const nodes = await startNodes(6, ['--repl-diskless-sync-delay', '0']);
  try {
    await new Promise((r) => setTimeout(r, NODE_AGE_MS));
    const t0 = performance.now();
    const returned = await run(...argsFor(nodes.addresses));
    while (!clusterReady(nodes.ports)) await new Promise((r) => setTimeout(r, 5));
    return { returned, ready: performance.now() - t0 };
  } finally {
    await nodes.stop();
  }
}

const results = { 'redis-cli': [], rck: [] };
for (let i = 0; i < rounds; i++) {
  results['redis-cli'].push(await timeTool('redis-cli', (a) => ['redis-cli', ['--cluster', 'create', ...a, '--cluster-replicas', '1', '--cluster-yes']]));
  results.rck.push(await timeTool('rck', (a) => [process.execPath, [rck, 'create', '--replicas', '1', ...a]]));
  process.stderr.write(`round ${i + 1}/${rounds}: redis-cli ${results['redis-cli'][i].returned.toFixed(0)} ms, rck ${results.rck[i].returned.toFixed(0)} ms\n`);
}
const m = (tool, k) => median(results[tool].map((r) => r[k]));
console.log(`create 3 masters x 1 replica, median of ${rounds} rounds on fresh nodes:`);
console.log(`  redis-cli --cluster create: ${m('redis-cli', 'returned').toFixed(0)} ms to return, ${m('redis-cli', 'ready').toFixed(0)} ms until every node reports cluster_state:ok`);
console.log(`  rck create:                 ${m('rck', 'returned').toFixed(0)} ms to return (cluster_state:ok everywhere and replicas synced)`);
console.log(`  ratio rck / redis-cli:      ${(m('rck', 'returned') / m('redis-cli', 'returned')).toFixed(2)}`);

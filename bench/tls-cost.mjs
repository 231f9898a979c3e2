#!/usr/bin/env node
// What TLS costs (issue 15), TLS off against on, in one run with the rounds alternating:
// `rck up` of the seed (3x1) until healthy; the consistency workload's ops/s (`rck bench
// consistency --duration 8s`); 50,000 keys written, then `rck reshard` of 4,096 slots with them
// (keys/s). Each round is a fresh cluster. Prints the medians and the on/off ratio.
// Usage: node bench/tls-cost.mjs [rounds=3]   (after `npm run build`)
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { freeBase } from './nodes.mjs';

const rounds = Number(process.argv[2] ?? 3);
const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const KEYS = 50_000;
const SLOTS = 4096;

async function round(tls) {
  const home = await mkdtemp(join(tmpdir(), 'rck-bench-tls-'));
  const spec = join(home, 'cluster.yaml');
  await writeFile(spec, `metadata: {name: redis-app}\nspec:\n  tls: {enabled: ${tls}}\n  local: {basePort: ${await freeBase(20)}, portCount: 20}\n`);
  const state = join(home, 'redis-app');
  let env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
  const rck = (args) =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, [main, ...args], { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${args[0]}: ${stderr}`)) : resolve(stdout))),
    );
  try {
    const t0 = performance.now();
    const out = await rck(['up', '-f', spec, '--detach']);
    const upMs = performance.now() - t0;
    if (!out.includes('up and healthy')) throw new Error(`not healthy: ${out}`);
    const work = JSON.parse(await rck(['bench', 'consistency', '--duration', '8s', '--json']));

    // The engine commands as a user runs them: the default user's password and, with TLS, the tools' certificate.
    const password = (await readFile(join(state, 'secret'), 'utf8')).trim();
    const files = { ca: join(state, 'tls', 'ca.crt'), cert: join(state, 'tls', 'client.crt'), key: join(state, 'tls', 'client.key') };
    env = { ...env, RCK_PASSWORD: password, ...(tls ? { RCK_CACERT: files.ca, RCK_CERT: files.cert, RCK_KEY: files.key } : {}) };
    const status = JSON.parse(await rck(['status', '--json']));
    const masters = status.members.filter((m) => m.role === 'master');
    const [host, port] = [masters[0].address.split(':')[0], Number(masters[0].address.split(':')[1])];
    const tlsOptions = tls ? { tls: { ca: await readFile(files.ca), cert: await readFile(files.cert), key: await readFile(files.key) } } : {};
    const client = new Cluster([{ host, port }], { redisOptions: { password, ...tlsOptions } });
    for (let i = 0; i < KEYS; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => client.set(`bench:${i + j}`, 'x'.repeat(100))));
    client.disconnect();
    const t1 = performance.now();
    const moved = JSON.parse(await rck(['reshard', masters[0].address, '--to', masters[1].nodeId, '--from', masters[0].nodeId, '--slots', String(SLOTS), '--yes', '--json']));
    const reshardMs = performance.now() - t1;
    const keysMoved = moved.result?.keysMoved ?? moved.keysMoved ?? Number.NaN;
    return { upMs, opsPerSec: work.opsPerSec, errors: work.readErrors + work.writeErrors, lost: work.lostWrites, reshardMs, keysMoved };
  } finally {
    env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
    await rck(['down', '--purge', '--yes']).catch(() => {});
    await rm(home, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { off: [], on: [] };
for (let i = 0; i < rounds; i++) {
  for (const tls of [false, true]) {
    const r = await round(tls);
    results[tls ? 'on' : 'off'].push(r);
    console.log(
      `round ${i + 1} TLS ${tls ? 'on ' : 'off'}: up ${Math.round(r.upMs)} ms, consistency ${r.opsPerSec} ops/s (errors ${r.errors}, lost ${r.lost}), reshard ${SLOTS} slots / ${r.keysMoved} keys in ${Math.round(r.reshardMs)} ms`,
    );
  }
}
const row = (name, key, unit) => {
  const [off, on] = [median(results.off.map((r) => r[key])), median(results.on.map((r) => r[key]))];
  console.log(`| ${name} | ${Math.round(off)} ${unit} | ${Math.round(on)} ${unit} | ${(on / off).toFixed(2)}x |`);
};
console.log(`\nmedians of ${rounds} rounds each, alternating:\n| | TLS off | TLS on | on/off |\n|---|---|---|---|`);
row('`rck up`, until healthy', 'upMs', 'ms');
row('consistency workload', 'opsPerSec', 'ops/s');
row(`reshard of ${SLOTS} slots with their keys`, 'reshardMs', 'ms');
const bad = [...results.off, ...results.on].filter((r) => r.errors > 0 || r.lost > 0).length;
console.log(`rounds with errors or lost writes: ${bad}`);

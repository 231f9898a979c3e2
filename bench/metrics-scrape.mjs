#!/usr/bin/env node
// What watching a local cluster costs its supervisor: `rck up` the seed's 3x1, then scrape
// /metrics N times in a row (latency per scrape, supervisor CPU per scrape), and keep the web
// view's event stream open for a quiet window (supervisor CPU with one watcher, against the
// same window without one).
// Usage: node bench/metrics-scrape.mjs [scrapes=500] [seconds=30]   (after `npm run build`)
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeBase } from './nodes.mjs';
import { cpuSeconds } from './proc.mjs';

const scrapes = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 30);
const main = process.env.RCK_BENCH_MAIN ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const home = await mkdtemp(join(tmpdir(), 'rck-bench-scrape-'));
const env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
const rck = (args) =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [main, ...args], { env }, (err, stdout, stderr) => (err ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout))),
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  const spec = join(home, 'cluster.yaml');
  await writeFile(spec, `metadata: {name: scrape}\nspec:\n  local: {basePort: ${await freeBase(20)}, portCount: 20}\n`);
  await rck(['up', '-f', spec, '--detach']);
  const supervisor = JSON.parse(await readFile(join(home, 'scrape', 'supervisor.json'), 'utf8')).pid;
  const { http } = JSON.parse(await rck(['status', '--json']));
  await sleep(5000);
  const c0 = await cpuSeconds(supervisor);
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < scrapes; i++) bytes = (await (await fetch(`${http}/metrics`)).text()).length;
  const ms = (performance.now() - t0) / scrapes;
  const cpuMs = (((await cpuSeconds(supervisor)) - c0) * 1000) / scrapes;
  console.log(`${scrapes} scrapes of ${bytes} bytes: ${ms.toFixed(2)} ms each, supervisor CPU ${cpuMs.toFixed(2)} ms per scrape`);

  const window = async () => {
    const s = await cpuSeconds(supervisor);
    const w = Date.now();
    await sleep(seconds * 1000);
    return ((await cpuSeconds(supervisor)) - s) / ((Date.now() - w) / 1000);
  };
  const alone = await window();
  const ac = new AbortController();
  const stream = await fetch(`${http}/api/stream`, { signal: ac.signal });
  const reader = stream.body.getReader();
  let frames = 0;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      frames += (new TextDecoder().decode(value).match(/event: view/g) ?? []).length;
    }
  })();
  const watched = await window();
  ac.abort();
  await reading;
  console.log(
    `idle ${seconds} s: supervisor ${(alone * 100).toFixed(2)}% of a core without a watcher, ${(watched * 100).toFixed(2)}% with the web view's stream open (${frames} updates)`,
  );
} finally {
  await rck(['down', '--purge', '--yes']).catch(() => {});
  await rm(home, { recursive: true, force: true });
}

#!/usr/bin/env node
// `rck up` from nothing to a healthy 6-member cluster (the seed spec: 3 masters x 1
// replica, cluster-node-timeout 5000), in the foreground and with --detach, plus the
// supervisor's resident memory after start and after a kill/re-create cycle.
// Runs bin/rck as a user does (so `up` starts from its startup snapshot when the build made one).
// Usage: node bench/up.mjs [rounds=5]   (after `npm run build`)
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeBase } from './nodes.mjs';

const rounds = Number(process.argv[2] ?? 5);
const rckBin = fileURLToPath(new URL('../bin/rck', import.meta.url));

async function fresh() {
  const home = await mkdtemp(join(tmpdir(), 'rck-bench-up-'));
  const spec = join(home, 'cluster.yaml');
  await writeFile(spec, `metadata: {name: redis-app}\nspec:\n  local: {basePort: ${await freeBase(20)}, portCount: 20}\n`);
  const env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
  const rck = (args) =>
    new Promise((resolve, reject) => execFile(rckBin, args, { env }, (err, stdout, stderr) => (err ? reject(new Error(`${args[0]}: ${stderr}`)) : resolve(stdout))));
  const cleanup = async () => {
    await rck(['down', '--purge', '--yes']).catch(() => {});
    await rm(home, { recursive: true, force: true });
  };
  return { home, spec, env, rck, cleanup };
}

const rssMb = async (pid) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024);
};

async function detached() {
  const f = await fresh();
  try {
    const t0 = performance.now();
    const out = await f.rck(['up', '-f', f.spec, '--detach']);
    const ms = performance.now() - t0;
    if (!out.includes('up and healthy')) throw new Error(`not healthy: ${out}`);
    const { pid } = JSON.parse(await readFile(join(f.home, 'redis-app', 'supervisor.json'), 'utf8'));
    await new Promise((r) => setTimeout(r, 3000));
    const rssStart = await rssMb(pid);
    // One kill/re-create cycle (failover at the seed's 5 s node timeout), then measure again.
    await f.rck(['kill', 'redis-app-0']);
    for (let i = 0; i < 300; i++) {
      const s = JSON.parse(await f.rck(['status', '--json']).catch(() => JSON.stringify({ health: { healthy: false } })));
      if (s.health.healthy && s.members.find((m) => m.name === 'redis-app-0').restarts > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const rssAfter = await rssMb(pid);
    return { ms, rssStart, rssAfter };
  } finally {
    await f.cleanup();
  }
}

async function foreground() {
  const f = await fresh();
  try {
    const t0 = performance.now();
    const child = spawn(rckBin, ['up', '-f', f.spec], { env: f.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ms = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('up and healthy')) resolve(performance.now() - t0);
      });
      child.once('exit', (code) => reject(new Error(`up exited ${code}: ${out}`)));
    });
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    return { ms };
  } finally {
    await f.cleanup();
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${Math.round(s[Math.floor(s.length / 2)])} ms (min ${Math.round(s[0])}, max ${Math.round(s[s.length - 1])})`;
};

const fg = [];
const bg = [];
for (let i = 0; i < rounds; i++) {
  fg.push(await foreground());
  bg.push(await detached());
}
console.log(`rck up, nothing -> healthy 6-member seed cluster, ${rounds} rounds each`);
console.log(`  foreground:  ${stats(fg.map((r) => r.ms))}`);
console.log(`  --detach:    ${stats(bg.map((r) => r.ms))}`);
console.log(
  `  supervisor RSS: ${Math.max(...bg.map((r) => r.rssStart))} MB max after start, ${Math.max(...bg.map((r) => r.rssAfter))} MB max after a kill/re-create (budget 80 MB)`,
);
console.log('  note: Redis keeps a master in cluster_state:fail for 2 s after it starts (CLUSTER_WRITABLE_DELAY), a floor for any tool');

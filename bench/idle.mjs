#!/usr/bin/env node
// What an idle cluster costs the local supervisor: CPU (% of one core) and RSS of the
// supervisor process over a quiet window, beside what its six redis-servers use together;
// then how fast it still reacts: SIGKILL a master's redis-server and time from the kill to
// the supervisor's first event about it (the crash failover).
// Beside them, over the same window, a bare Node process whose only work is a timer every
// second: what one wakeup a second costs on this machine now (on a VM whose memory the host
// reclaims between wakeups, each wakeup pays for every page it touches again).
// With --adopted, the supervisor is SIGKILLed after the start and a second `rck up` adopts the
// running members (not its children: it learns of an exit another way), then the same.
// --settle=S: how long to wait after the start before measuring (default 5 s). The first
// minute of a new supervisor also pays for its start (lazy compilation, the memory reducer's
// GCs, the first resyncs); a longer settle measures the steady state a day of idling costs.
// Usage: node bench/idle.mjs [seconds=30] [--settle=S] [--adopted]   (after `npm run build`)
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeBase } from './nodes.mjs';
import { cpuSeconds, rssMb } from './proc.mjs';

const adopted = process.argv.includes('--adopted');
const seconds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 30);
const settle = Number(process.argv.find((a) => a.startsWith('--settle='))?.slice('--settle='.length) ?? 5);
// RCK_BENCH_MAIN: another build's dist/cli/main.js, to compare before and after a change.
const main = process.env.RCK_BENCH_MAIN ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const home = await mkdtemp(join(tmpdir(), 'rck-bench-idle-'));
const env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
const rck = (args) =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, [main, ...args], { env }, (err, stdout, stderr) => (err ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(stdout))),
  );

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  const spec = join(home, 'cluster.yaml');
  await writeFile(spec, `metadata: {name: idle}\nspec:\n  local: {basePort: ${await freeBase(20)}, portCount: 20}\n`);
  await rck(['up', '-f', spec, '--detach']);
  const dir = join(home, 'idle');
  const supervisorPid = async () => JSON.parse(await readFile(join(dir, 'supervisor.json'), 'utf8')).pid;
  if (adopted) {
    process.kill(await supervisorPid(), 'SIGKILL');
    await rck(['up', '-f', spec, '--detach']);
  }
  const supervisor = await supervisorPid();
  const members = JSON.parse(await readFile(join(dir, 'members.json'), 'utf8')).members;
  const redisPids = members.map((m) => m.pid).filter(Boolean);
  const ticker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(settle * 1000); // replicas synced, first passes done
    const s0 = await cpuSeconds(supervisor);
    const r0 = (await Promise.all(redisPids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
    const k0 = await cpuSeconds(ticker.pid);
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const wall = (Date.now() - t0) / 1000;
    const sup = ((await cpuSeconds(supervisor)) - s0) / wall;
    const redis = ((await Promise.all(redisPids.map(cpuSeconds))).reduce((a, b) => a + b, 0) - r0) / wall;
    const tick = ((await cpuSeconds(ticker.pid)) - k0) / wall;
    console.log(
      `idle ${Math.round(wall)} s after ${settle} s, 3 masters x 1 replica${adopted ? ', members adopted' : ''}: supervisor ${(sup * 100).toFixed(2)}% of a core, RSS ${Math.round(await rssMb(supervisor))} MB; its ${redisPids.length} redis-servers together ${(redis * 100).toFixed(2)}%; a bare Node waking every second ${(tick * 100).toFixed(2)}%`,
    );
  } finally {
    ticker.kill();
  }

  // Reaction: kill a master's process, then the first event the supervisor records about it.
  const status = JSON.parse(await rck(['status', '--json']));
  const master = status.members.find((m) => m.role === 'master');
  const pid = members.find((m) => m.name === master.name).pid;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  let first;
  for (let i = 0; i < 200 && !first; i++) {
    await sleep(10);
    const lines = (await readFile(join(dir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The one event schema names what happened in `reason` (older lines: `action`, or the platform's `type`).
    first = lines.find((e) => Date.parse(e.time) >= killedAt && e.member && [e.reason, e.action, e.type].some((r) => r === 'CrashFailover' || r === 'Exited'));
  }
  console.log(
    first
      ? `master ${master.name} killed: first reaction (${[first.reason, first.action, first.type].find((r) => r === 'CrashFailover' || r === 'Exited')}) after ${Date.parse(first.time) - killedAt} ms`
      : 'no reaction within 2 s',
  );
} finally {
  await rck(['down', '--purge', '--yes']).catch(() => {});
  await rm(home, { recursive: true, force: true });
}

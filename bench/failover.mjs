#!/usr/bin/env node
// Failover of a crashed or killed master: rck against Redis alone, in one run (issue 12, item 4).
//
// Target: a master's redis-server crashing, or `rck kill` of a master, gives under 1 s of write
// outage and 0 lost acknowledged writes; Redis alone takes cluster-node-timeout + an election.
//
// Every row runs on its own fresh cluster of the seed's shape: 3 masters x 1 replica,
// cluster-node-timeout 5000, the same redis.conf (the one rck renders), auth on, 127.0.0.1 only,
// persistence off and on. Each cluster gets the same preload (PRELOAD_KEYS keys of VALUE_BYTES
// bytes, replicated with WAIT before the fault) and the same consistency workload
// (dist/workload/consistency.js) running from 1 s before the fault until 2 s after recovery.
// The victim is the master of slot 0 in both systems.
//
//   crash in place  rck:   SIGKILL of the master's redis-server pid (the supervisor sees the exit,
//                          promotes the replica, restarts the member on its port as a replica)
//                   Redis: SIGKILL, then the same redis-server restarted on the same port and dir
//                          after RESTART_DELAY_MS (what a supervisor or the kubelet does)
//   kill            rck:   `rck kill <member>` (re-created with its volume on a new port)
//                   Redis: SIGKILL, nothing restarted: Redis's own failover after the node timeout
//
// Figures per row: the workload's longest write outage (a key's first failed write to its next
// acknowledged one), the longest gap between acknowledged writes of a probe writing to the
// victim's shard in a loop, lost acknowledged writes, preloaded keys lost (all read back), and
// the time from the fault until healthy (rck: Ready True with the victim back as a replica;
// Redis: every reachable node says cluster_state:ok, every slot's master answers, and in the
// crash-in-place row every master has a replica with its link up). Every wait has a deadline:
// a row that does not recover says so and the run goes on.
//
// Usage: npm run build && node bench/failover.mjs
// Env:   PRELOAD_KEYS (100000)  VALUE_BYTES (100)  RESTART_DELAY_MS (1000)  RECOVERY_TIMEOUT_S (60)
//        ROWS (e.g. "off:crash,on:kill"; default all)  SYSTEMS ("rck,redis"; default both)
//        PLANNED (1): also run the rck-only phases of docs/benchmarks.md's planned-failover table (planned failover with
//        `rck restart`, full restart on new addresses; bench/failover-planned.mjs); PLANNED=0 skips them
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plannedAndFullRestart } from './failover-planned.mjs';
import { freeBase } from './nodes.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url);
const main = fileURLToPath(dist('cli/main.js'));
const { startConsistencyWorkload, clusterClient } = await import(dist('workload/consistency.js'));
const { readLocalStatus } = await import(dist('platform/local/local-status.js'));
const { StateDir } = await import(dist('platform/local/state-dir.js'));
const { parseSpec } = await import(dist('spec/load.js'));
const { renderSharedConf } = await import(dist('spec/redis-conf.js'));
const require = createRequire(import.meta.url);
const { default: Redis } = await import('ioredis');
const keySlot = require('cluster-key-slot');

const PRELOAD_KEYS = Number(process.env.PRELOAD_KEYS ?? 100_000);
const VALUE_BYTES = Number(process.env.VALUE_BYTES ?? 100);
const RESTART_DELAY_MS = Number(process.env.RESTART_DELAY_MS ?? 1000);
const RECOVERY_TIMEOUT_MS = Number(process.env.RECOVERY_TIMEOUT_S ?? 60) * 1000;
const WORKLOAD = { keys: 500, workers: 4 };
const SYSTEMS = (process.env.SYSTEMS ?? 'rck,redis').split(',');
const ROWS = (process.env.ROWS ?? 'off:crash,off:kill,on:crash,on:kill').split(',').map((r) => {
  const [persistence, scenario] = r.split(':');
  return { persistence, scenario };
});
const SCENARIO_NAME = { crash: 'master crash in place', kill: 'rck kill of a master' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...a);
const withDeadline = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`${what}: no result within ${ms / 1000} s`)), ms).unref())]);

// ---- everything started is tracked here and stopped in cleanup() ----
const tmpDirs = new Set();
const rckHomes = new Set();
const redisProcs = new Set();
let cleaningUp;
async function cleanup() {
  cleaningUp ??= (async () => {
    for (const p of redisProcs) killProc(p);
    for (const home of rckHomes) {
      await rckIn(home, 'down', '--purge', '--yes', '--name', 'redis-app').catch((e) => log(`rck down in ${home}: ${e.message}`));
      rckHomes.delete(home);
    }
    for (const d of tmpDirs) await rm(d, { recursive: true, force: true }).catch(() => {});
  })();
  return cleaningUp;
}
function killProc(p) {
  try {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  } catch {
    /* gone */
  }
  redisProcs.delete(p);
}
process.on('exit', () => {
  for (const p of redisProcs) killProc(p);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping everything`);
    cleanup().finally(() => process.exit(130));
  });
}

function rckIn(home, ...args) {
  const env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [main, ...args], { env, timeout: 180_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`rck ${args.join(' ')}: ${(stderr || err.message).trim().split('\n').pop()}`)) : resolve(stdout),
    ),
  );
}

// ---- data: preload, read back, size ----
function preloadSet(token) {
  const key = (i) => `bench:pre:${token}:${i}`;
  const value = (i) => `${token}:${i}:`.padEnd(VALUE_BYTES, 'x');
  return {
    async load(client) {
      for (let s = 0; s < PRELOAD_KEYS; s += 2000) {
        const n = Math.min(2000, PRELOAD_KEYS - s);
        await Promise.all(Array.from({ length: n }, (_, j) => client.set(key(s + j), value(s + j))));
      }
      const acks = await Promise.all(client.nodes('master').map((n) => n.call('WAIT', 1, 10_000).catch(() => -1)));
      return acks.filter((a) => a < 1).length; // masters whose replica did not confirm
    },
    /** Keys missing or wrong, and keys whose read failed for 10 s. */
    async check(client) {
      let lost = 0;
      let unreadable = 0;
      for (let s = 0; s < PRELOAD_KEYS; s += 2000) {
        let pending = Array.from({ length: Math.min(2000, PRELOAD_KEYS - s) }, (_, j) => s + j);
        const until = Date.now() + 10_000;
        for (let a = 0; pending.length && (a === 0 || Date.now() < until); a++) {
          if (a) await sleep(Math.min(1000, 100 * 2 ** a));
          const got = await Promise.all(
            pending.map((i) =>
              client.get(key(i)).then(
                (v) => ({ i, v }),
                () => ({ i, v: undefined }),
              ),
            ),
          );
          pending = [];
          for (const { i, v } of got) {
            if (v === undefined) pending.push(i);
            else if (v !== value(i)) lost++;
          }
        }
        unreadable += pending.length;
      }
      return { lost, unreadable };
    },
  };
}

/** Dataset memory on the masters after the preload (INFO memory used_memory_dataset: all but Redis's overhead). */
async function datasetBytes(addresses, password) {
  let total = 0;
  for (const a of addresses) {
    const info = await nodeInfo(a, password, ['replication', 'memory']);
    if (info?.role === 'master') total += Number(info.used_memory_dataset);
  }
  return total;
}

// ---- one node, with short timeouts: a dead or hung node never blocks a wait ----
async function nodeCall(address, password, ...cmd) {
  const [host, port] = address.split(':');
  const r = new Redis({
    host,
    port: Number(port),
    password,
    connectTimeout: 500,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
    enableOfflineQueue: false,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return await r.call(...cmd);
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}
async function nodeInfo(address, password, sections = ['replication', 'cluster']) {
  const text = await nodeCall(address, password, 'INFO', ...sections);
  if (typeof text !== 'string') return undefined;
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}

/** Redis-alone health: reachable nodes all say cluster_state:ok, every slot's master answers, optionally every master has a replica with its link up. */
async function redisHealthy(addresses, password, needReplicas) {
  const infos = await Promise.all(addresses.map(async (a) => ({ a, info: await nodeInfo(a, password) })));
  const up = infos.filter((x) => x.info);
  if (!up.length) return false;
  const clusterInfo = await Promise.all(up.map((x) => nodeCall(x.a, password, 'CLUSTER', 'INFO')));
  if (!clusterInfo.every((t) => typeof t === 'string' && t.includes('cluster_state:ok'))) return false;
  const slots = await nodeCall(up[0].a, password, 'CLUSTER', 'SLOTS');
  if (!Array.isArray(slots)) return false;
  let covered = 0;
  const liveMasters = new Set(up.filter((x) => x.info.role === 'master').map((x) => x.a));
  for (const [from, to, master] of slots) {
    if (!liveMasters.has(`${master[0]}:${master[1]}`)) return false;
    covered += to - from + 1;
  }
  if (covered !== 16384) return false;
  if (!needReplicas) return true;
  const replicas = up.filter((x) => x.info.role === 'slave' && x.info.master_link_status === 'up');
  return [...liveMasters].every((m) => replicas.some((r) => `${r.info.master_host}:${r.info.master_port}` === m));
}

/** Polls `pred` every `everyMs` until true (returns ms since `since`) or the deadline (returns undefined). */
async function waitUntil(pred, since, timeoutMs = RECOVERY_TIMEOUT_MS, everyMs = 100) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred().catch(() => false)) return Date.now() - since;
    await sleep(everyMs);
  }
  return undefined;
}

// ---- the shard probe: a loop of SETs to a key of the victim's shard, longest gap between acks ----
function startProbe(nodes, password) {
  let tag = 0;
  while (keySlot(`{p${tag}}`) > 100) tag++; // slot 0..100: the victim (master of slot 0) owns it
  const key = `{p${tag}}:probe`;
  const c = clusterClient(nodes, password);
  let running = true;
  let lastAck = Date.now();
  let maxGap = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      try {
        await withDeadline(c.set(key, String(i)), 2000, 'probe');
        const now = Date.now();
        maxGap = Math.max(maxGap, now - lastAck);
        lastAck = now;
        await sleep(2);
      } catch {
        await sleep(10);
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      c.disconnect();
      return Math.max(maxGap, Date.now() - lastAck > 100 ? Date.now() - lastAck : 0); // still failing: up to now
    },
  };
}

/** Workload + probe around a fault; `recovered()` resolves to ms-from-fault or undefined. */
async function underLoad(nodes, password, fault, recovered) {
  const w = startConsistencyWorkload({ nodes, password, ...WORKLOAD });
  const probe = startProbe(nodes, password);
  await sleep(1000);
  const before = w.snapshot();
  if (before.writes === 0) log('  warning: the workload acknowledged no write in its first second');
  const t0 = Date.now();
  await fault();
  const readyMs = await recovered(t0);
  await sleep(2000);
  const probeGapMs = await probe.stop();
  const report = await withDeadline(w.stop(), 120_000, 'workload stop').catch((e) => {
    log(`  ${e.message}; using its last snapshot`);
    return { ...w.snapshot(), unreadableKeys: NaN, errorSamples: [] };
  });
  return { readyMs, probeGapMs, report };
}

// ---- rck ----
async function rckRow(persistence, scenario) {
  const home = await mkdtemp(join(tmpdir(), 'rck-bench-failover-'));
  tmpDirs.add(home);
  rckHomes.add(home);
  const specText = `metadata: {name: redis-app}\nspec:\n  persistence: {enabled: ${persistence === 'on'}}\n  local: {basePort: ${await freeBase(40)}, portCount: 40}\n`;
  const specFile = join(home, 'cluster.yaml');
  await writeFile(specFile, specText);
  const target = { state: new StateDir(join(home, 'redis-app')), cluster: parseSpec(specText), exists: true };
  try {
    let t = Date.now();
    await rckIn(home, 'up', '-f', specFile, '--detach');
    const password = (await readFile(join(home, 'redis-app', 'secret'), 'utf8')).trim();
    const status = () => readLocalStatus(target, password);
    const isReady = (s) => s.conditions.find((c) => c.type === 'Ready')?.status === 'True';
    let s;
    const upMs = await waitUntil(async () => isReady((s = await status())), t, 120_000, 250);
    if (upMs === undefined) throw new Error('rck up: not Ready within 120 s');
    const conf = await readFile(join(home, 'redis-app', 'redis.conf'), 'utf8');
    const nodes = s.members.map((m) => ({ host: '127.0.0.1', port: Number(m.address.split(':')[1]) }));
    const addresses = s.members.map((m) => m.address);

    const pre = preloadSet(randomBytes(3).toString('hex'));
    const c = clusterClient(nodes, password, 5000);
    t = Date.now();
    const unconfirmed = await pre.load(c);
    const loadMs = Date.now() - t;
    const dataBytes = await datasetBytes(addresses, password);

    // The victim: the master of slot 0 (the probe writes there), as in the Redis-alone row.
    const slots = await nodeCall(addresses[0], password, 'CLUSTER', 'SLOTS');
    const owner0 = slots.find(([from]) => from === 0)[2];
    const victim = s.members.find((m) => m.address === `${owner0[0]}:${owner0[1]}`);
    const replica = s.members.find((m) => m.master === victim.name);
    log(
      `  rck ${persistence}: up in ${(upMs / 1000).toFixed(1)} s; preload ${PRELOAD_KEYS} keys in ${(loadMs / 1000).toFixed(1)} s (${unconfirmed} masters unconfirmed by WAIT), dataset ${(dataBytes / 1e6).toFixed(1)} MB; victim ${victim.name} (pid ${victim.pid}), replica ${replica.name}`,
    );

    const fault =
      scenario === 'crash'
        ? async () => {
            const cwd = await readlink(`/proc/${victim.pid}/cwd`);
            if (!cwd.endsWith(`/members/${victim.name}/data`)) throw new Error(`pid ${victim.pid} runs in ${cwd}, not ${victim.name}'s volume`);
            process.kill(victim.pid, 'SIGKILL');
          }
        : async () => {
            await rckIn(home, 'kill', victim.name, '--name', 'redis-app');
          };
    const back = (x) => {
      const v = x.members.find((m) => m.name === victim.name);
      return isReady(x) && v.up && v.pid !== victim.pid && v.role === 'replica' && v.linkUp === true;
    };
    const run = await underLoad(nodes, password, fault, (t0) => waitUntil(async () => back(await status()), t0, RECOVERY_TIMEOUT_MS, 100));
    const after = await status().catch(() => undefined);
    const keys = await withDeadline(pre.check(c), 300_000, 'read-back').catch(() => ({ lost: NaN, unreadable: NaN }));
    c.disconnect();
    const events = await readFile(join(home, 'redis-app', 'events.jsonl'), 'utf8').catch(() => '');
    const interesting = events
      .split('\n')
      .filter((l) => /CrashFailover|DataLoss|Warning/.test(l))
      .map((l) => {
        try {
          const e = JSON.parse(l);
          return `event ${e.type} ${e.action}${e.keysLost !== undefined ? ` keysLost=${e.keysLost}` : ''}: ${e.reason}`.slice(0, 300);
        } catch {
          return l.slice(0, 200);
        }
      });
    const v = after?.members.find((m) => m.name === victim.name);
    return {
      conf,
      ...run,
      keys,
      dataBytes,
      note: [v ? `victim after: ${v.role ?? '?'} of ${v.master ?? '-'} at ${v.address}, restarts ${v.restarts}` : undefined, ...interesting].filter(Boolean),
    };
  } finally {
    await rckIn(home, 'down', '--purge', '--yes', '--name', 'redis-app').catch((e) => log(`  rck down: ${e.message}`));
    rckHomes.delete(home);
    await rm(home, { recursive: true, force: true });
    tmpDirs.delete(home);
  }
}

// ---- Redis alone ----
async function redisRow(persistence, scenario, sharedConf) {
  const dir = await mkdtemp(join(tmpdir(), 'rck-bench-redis-alone-'));
  tmpDirs.add(dir);
  const password = randomBytes(16).toString('hex');
  const base = await freeBase(6);
  const ports = Array.from({ length: 6 }, (_, i) => base + i);
  const addresses = ports.map((p) => `127.0.0.1:${p}`);
  await writeFile(join(dir, 'redis.conf'), sharedConf);
  const procs = new Map();
  const start = async (port) => {
    const p = spawn('redis-server', [join(dir, `member-${port}.conf`)], { stdio: 'ignore' });
    redisProcs.add(p);
    p.once('exit', () => redisProcs.delete(p));
    procs.set(port, p);
  };
  try {
    for (const port of ports) {
      const data = join(dir, `node-${port}`);
      await mkdir(data);
      // The member part rck renders (spec/redis-conf.ts renderMemberConf), with a plain requirepass.
      await writeFile(
        join(dir, `member-${port}.conf`),
        [
          `include ${join(dir, 'redis.conf')}`,
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode yes',
          'daemonize no',
          `logfile ${join(data, 'redis.log')}`,
          `dir ${data}`,
          'cluster-config-file nodes.conf',
          'cluster-announce-ip 127.0.0.1',
          `requirepass ${password}`,
          `masterauth ${password}`,
          '',
        ].join('\n'),
      );
      await start(port);
    }
    const t = Date.now();
    if ((await waitUntil(async () => (await Promise.all(addresses.map((a) => nodeCall(a, password, 'PING')))).every((r) => r === 'PONG'), t, 20_000, 20)) === undefined) {
      throw new Error('redis-server processes did not answer within 20 s');
    }
    await new Promise((resolve, reject) =>
      execFile(
        'redis-cli',
        ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
        { env: { ...process.env, REDISCLI_AUTH: password }, timeout: 60_000 },
        (err, out, errOut) => (err ? reject(new Error(`redis-cli --cluster create: ${(errOut || out || err.message).trim().split('\n').pop()}`)) : resolve(out)),
      ),
    );
    const okMs = await waitUntil(() => redisHealthy(addresses, password, true), t, 60_000, 100);
    if (okMs === undefined) throw new Error('the new cluster was not ok within 60 s');
    const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    const pre = preloadSet(randomBytes(3).toString('hex'));
    const c = clusterClient(nodes, password, 5000);
    const t1 = Date.now();
    const unconfirmed = await pre.load(c);
    const loadMs = Date.now() - t1;
    const dataBytes = await datasetBytes(addresses, password);

    // The victim: the master of slot 0 (as in the rck row), and its replica.
    const slots = await nodeCall(addresses[0], password, 'CLUSTER', 'SLOTS');
    const shard0 = slots.find(([from]) => from === 0);
    const victimPort = shard0[2][1];
    const infos = await Promise.all(addresses.map(async (a) => ({ a, info: await nodeInfo(a, password) })));
    const replicaPort = Number(infos.find((x) => x.info?.role === 'slave' && Number(x.info.master_port) === victimPort)?.a.split(':')[1]);
    log(
      `  redis ${persistence}: cluster ok in ${(okMs / 1000).toFixed(1)} s; preload ${PRELOAD_KEYS} keys in ${(loadMs / 1000).toFixed(1)} s (${unconfirmed} masters unconfirmed by WAIT), dataset ${(dataBytes / 1e6).toFixed(1)} MB; victim :${victimPort}, replica :${replicaPort}`,
    );

    const victimAddr = `127.0.0.1:${victimPort}`;
    const fault = async () => {
      const p = procs.get(victimPort);
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
      if (scenario === 'crash') {
        // A supervisor or the kubelet restarting the container in place: same port, same dir.
        setTimeout(() => void start(victimPort), RESTART_DELAY_MS);
      }
    };
    const live = scenario === 'crash' ? addresses : addresses.filter((a) => a !== victimAddr);
    const run = await underLoad(nodes, password, fault, (t0) =>
      waitUntil(async () => Date.now() - t0 > RESTART_DELAY_MS + 50 && (await redisHealthy(live, password, scenario === 'crash')), t0, RECOVERY_TIMEOUT_MS, 100),
    );
    const keys = await withDeadline(pre.check(c), 300_000, 'read-back').catch(() => ({ lost: NaN, unreadable: NaN }));
    c.disconnect();
    const vi = await nodeInfo(victimAddr, password);
    const ri = await nodeInfo(`127.0.0.1:${replicaPort}`, password);
    const note = [
      scenario === 'crash' ? `victim after: ${vi ? (vi.role === 'master' ? 'master' : `replica of :${vi.master_port}`) : 'not answering'}` : 'victim not restarted',
      `replica after: ${ri ? ri.role : 'not answering'}`,
    ];
    return { ...run, keys, dataBytes, note };
  } finally {
    for (const p of procs.values()) killProc(p);
    await sleep(100);
    await rm(dir, { recursive: true, force: true });
    tmpDirs.delete(dir);
  }
}

// ---- the run ----
const fmtS = (ms) => (ms === undefined || Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`);
const row = [];
const started = Date.now();
log(
  `failover bench: ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at start (other work runs on this machine: timings are noisy)`,
);
log(
  `redis-server ${
    execFileSync('redis-server', ['--version'])
      .toString()
      .match(/v=(\S+)/)?.[1]
  }; preload ${PRELOAD_KEYS} keys x ${VALUE_BYTES} B values; workload ${WORKLOAD.keys} counters, ${WORKLOAD.workers} workers; Redis-alone restart delay ${RESTART_DELAY_MS} ms; recovery deadline ${RECOVERY_TIMEOUT_MS / 1000} s`,
);
let failed = false;
let planned = [];
try {
  const confs = {};
  for (const { persistence, scenario } of ROWS) {
    const r = { persistence, scenario };
    if (SYSTEMS.includes('rck')) {
      log(`rck, ${SCENARIO_NAME[scenario]}, persistence ${persistence}`);
      r.rck = await rckRow(persistence, scenario).catch((e) => ({ error: e.message }));
      if (r.rck.conf) confs[persistence] = r.rck.conf;
      log(`  -> ${JSON.stringify({ ...r.rck, conf: undefined })}`);
    }
    if (SYSTEMS.includes('redis')) {
      log(`Redis alone, ${SCENARIO_NAME[scenario]}, persistence ${persistence}`);
      // The shared redis.conf rck rendered for this persistence (rendered here when no rck row ran).
      const conf = confs[persistence] ?? renderSharedConf(parseSpec(`metadata: {name: redis-app}\nspec: {persistence: {enabled: ${persistence === 'on'}}}\n`).spec, 'redis-app');
      r.redis = await redisRow(persistence, scenario, conf).catch((e) => ({ error: e.message }));
      log(`  -> ${JSON.stringify(r.redis)}`);
    }
    row.push(r);
  }
  if (process.env.PLANNED !== '0') {
    log('rck only: planned failover and full restart (bench/failover-planned.mjs)');
    planned = await plannedAndFullRestart({ track: (h) => rckHomes.add(h), untrack: (h) => rckHomes.delete(h) }).catch((e) => [`ERROR ${e.message}`]);
    for (const l of planned) log(`  ${l}`);
  }
} catch (e) {
  failed = true;
  log(`bench failed: ${e.stack ?? e.message}`);
} finally {
  await cleanup();
}

// ---- the table ----
// A row that did not recover before its deadline shows its outage as a lower bound.
const atLeast = (x) => (x.readyMs === undefined ? '≥ ' : '');
const outage = (x) => (x?.error ? 'error' : x ? `${atLeast(x)}${fmtS(x.probeGapMs)}` : '-');
const failing = (x) => (x?.error ? 'error' : x ? `${atLeast(x)}${fmtS(x.report.longestWriteOutageMs)}` : '-');
const ready = (x) => (x?.error ? 'error' : x ? (x.readyMs === undefined ? `not ok within ${RECOVERY_TIMEOUT_MS / 1000} s` : fmtS(x.readyMs)) : '-');
const ratio = (r) => (r.rck?.report && r.redis?.report ? `${(r.redis.probeGapMs / Math.max(1, r.rck.probeGapMs)).toFixed(1)}x` : '-');
const lost = (x) => (x?.error ? 'error' : x ? `${x.report.lostWrites}${x.report.unackedWrites ? ` (+${x.report.unackedWrites} unacked applied)` : ''}` : '-');
const keysLost = (x) => (x?.error ? 'error' : x ? `${x.keys.lost}${x.keys.unreadable ? ` (+${x.keys.unreadable} unreadable)` : ''}` : '-');
const size = (x) => (x?.dataBytes ? `${(x.dataBytes / 1e6).toFixed(1)} MB` : '');
const header = [
  'scenario',
  'persistence',
  'write outage rck / Redis alone',
  'Redis alone ÷ rck',
  'longest failing-writes window rck / Redis',
  'lost acked writes rck / Redis',
  'preloaded keys lost rck / Redis',
  'healthy after rck / Redis',
  'data size',
];
const lines = row.map((r) => [
  SCENARIO_NAME[r.scenario],
  r.persistence,
  `${outage(r.rck)} / ${outage(r.redis)}`,
  ratio(r),
  `${failing(r.rck)} / ${failing(r.redis)}`,
  `${lost(r.rck)} / ${lost(r.redis)}`,
  `${keysLost(r.rck)} / ${keysLost(r.redis)}`,
  `${ready(r.rck)} / ${ready(r.redis)}`,
  `${PRELOAD_KEYS.toLocaleString('en')} keys x ${VALUE_BYTES} B values (${size(r.rck) || size(r.redis)} dataset on the masters)`,
]);
console.log('');
console.log(`Failover of one master, 3 masters x 1 replica, cluster-node-timeout 5000, redis.conf as rck renders it, 127.0.0.1;`);
console.log(
  `${cpus().length} cores shared with other work (load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at the end); run took ${((Date.now() - started) / 60000).toFixed(1)} min.`,
);
for (const r of row) {
  for (const sys of ['rck', 'redis']) {
    const x = r[sys];
    if (!x) continue;
    if (x.error) console.log(`  ${SCENARIO_NAME[r.scenario]}, persistence ${r.persistence}, ${sys}: ERROR ${x.error}`);
    else
      console.log(
        `  ${SCENARIO_NAME[r.scenario]}, persistence ${r.persistence}, ${sys}: ${x.report.opsPerSec} ops/s, ${x.report.writeErrors} write errors, ${x.report.unreadableKeys} counters unreadable; ${x.note.join('; ')}${x.report.errorSamples?.length ? `; errors: ${x.report.errorSamples.slice(0, 2).join(' | ')}` : ''}`,
      );
  }
}
if (planned.length) {
  console.log('rck only, seed cluster (persistence on, no preload), controller running:');
  for (const l of planned) console.log(`  ${l}`);
}
console.log('');
console.log('```markdown');
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const l of lines) console.log(`| ${l.join(' | ')} |`);
console.log('```');
console.log("write outage: the longest gap between acknowledged SETs of a loop writing to the victim's shard (a write the client retried until it");
console.log("  succeeded counts as outage here, as a user waits for it); failing-writes window: the consistency workload's longest time from");
console.log("  a key's first failed write (error or no reply within 2 s) to its next acknowledged one, 0 when no write failed;");
console.log(
  `healthy after: from the fault to rck Ready (victim back as a replica, link up) / every reachable Redis node cluster_state:ok with all slots served (crash in place: and every master has an in-sync replica).`,
);
console.log("data size: the preloaded keys (plus the workload's counters); the MB figure is INFO used_memory_dataset summed over the masters after the preload.");
console.log(`Redis alone "crash in place" restarts the killed redis-server on its port and dir after ${RESTART_DELAY_MS} ms; "rck kill" restarts nothing (Redis's own failover).`);
process.exit(failed ? 1 : 0);

// The rck-only phases bench/failover.mjs ran before issue 12 (docs/benchmarks.md's "planned failover" and
// "full restart" rows), kept as they were measured, on the seed cluster with the controller running:
//   planned failover: `rck restart` of a master (its replica takes over first)
//   full restart:     every member killed at once, back on new addresses, healed by the controller
// Called by bench/failover.mjs; `track(home)` / `untrack(home)` let its cleanup stop the cluster on Ctrl-C.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeBase } from './nodes.mjs';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const { startConsistencyWorkload, clusterClient } = await import(new URL('../dist/workload/consistency.js', import.meta.url));

export async function plannedAndFullRestart({ track = () => {}, untrack = () => {} } = {}) {
  const home = await mkdtemp(join(tmpdir(), 'rck-bench-failover-'));
  track(home);
  const specFile = join(home, 'cluster.yaml');
  await writeFile(specFile, `metadata: {name: redis-app}\nspec:\n  local: {basePort: ${await freeBase(40)}, portCount: 40}\n`);
  const env = { ...process.env, RCK_STATE_HOME: home, NO_COLOR: '1' };
  const rck = (...args) =>
    new Promise((resolve, reject) =>
      execFile(process.execPath, [main, ...args], { env, timeout: 300_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`rck ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
      ),
    );
  const status = async () => JSON.parse(await rck('status', '--json', '--name', 'redis-app').catch((e) => e.message.slice(e.message.indexOf('{'))));
  const ready = (s) => s.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  async function waitFor(pred, timeoutMs = 120_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await status().catch(() => undefined);
      if (s && pred(s)) return s;
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const nodes = (s) => s.members.map((m) => ({ host: '127.0.0.1', port: Number(m.address.split(':')[1]) }));
  const masterNamed = (s) => s.members.find((m) => m.role === 'master').name;

  async function phase(name, act) {
    const s = await waitFor(ready);
    const password = (await readFile(join(home, 'redis-app', 'secret'), 'utf8')).trim();
    const w = startConsistencyWorkload({ nodes: nodes(s), password, keys: 500, workers: 4 });
    await new Promise((r) => setTimeout(r, 1000));
    const ms = await act(s);
    await waitFor(ready);
    await new Promise((r) => setTimeout(r, 1000));
    const report = await w.stop();
    return { name, ms, outage: report.longestWriteOutageMs, lost: report.lostWrites, errors: report.writeErrors };
  }

  const results = [];
  try {
    await rck('up', '-f', specFile, '--detach');
    results.push(
      await phase('planned failover (rck restart of a master)', async (s) => {
        const t = Date.now();
        await rck('restart', masterNamed(s), '--name', 'redis-app');
        return Date.now() - t;
      }),
    );
    // Full restart: clients must find the new addresses, so acknowledged keys are written before and read after.
    const s = await waitFor(ready);
    const password = (await readFile(join(home, 'redis-app', 'secret'), 'utf8')).trim();
    const c = clusterClient(nodes(s), password);
    const keys = Array.from({ length: 2000 }, (_, i) => `bench:full:${i}`);
    for (const k of keys) await c.set(k, k);
    c.disconnect();
    await Promise.all(s.members.map((m) => rck('kill', m.name, '--name', 'redis-app')));
    await waitFor((x) => x.members.every((m, i) => m.up && m.address !== s.members[i].address));
    const upAt = Date.now();
    const healed = await waitFor(ready);
    const healMs = Date.now() - upAt;
    const c2 = clusterClient(nodes(healed), password);
    let lost = 0;
    for (const k of keys) if ((await c2.get(k)) !== k) lost++;
    c2.disconnect();
    results.push({ name: 'full restart on new addresses (all members killed)', ms: healMs, outage: undefined, lost, errors: undefined });
  } finally {
    await rck('down', '--purge', '--yes', '--name', 'redis-app').catch(() => {});
    untrack(home);
    await rm(home, { recursive: true, force: true });
  }
  return results.map((r) => {
    const outage = r.outage === undefined ? '' : `, longest write outage ${r.outage} ms`;
    const what = r.name.startsWith('full') ? `healthy ${r.ms} ms after the last member was up` : `${r.ms} ms`;
    return `${r.name}: ${what}${outage}, lost acknowledged writes ${r.lost}`;
  });
}

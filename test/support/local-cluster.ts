/**
 * E2E harness for the local platform: runs the real `rck` CLI (dist/, built by
 * `npm test`) against its own state home in a temp dir and its own free port range,
 * and always stops every process it may have started, also when a test fails.
 */
import { cliBinary, crashLine, engineLocalFields } from './engine.js';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { type Dirent, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface MemberJson {
  name: string;
  address: string;
  role?: 'master' | 'replica';
  nodeId?: string;
  master?: string;
  up: boolean;
  linkUp?: boolean;
  restarts: number;
  pid?: number;
  keys: number;
  slots: number;
}

export interface ConditionJson {
  type: 'Ready' | 'Degraded' | 'Healing' | 'DataLoss';
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface StatusJson {
  cluster: string;
  conditions: ConditionJson[];
  health: { healthy: boolean; problems: string[] };
  supervisor: { pid: number } | null;
  members: MemberJson[];
}

const tracked = new Set<LocalClusterHarness>();
process.on('exit', () => {
  for (const h of tracked) h.killAllSync();
});

/** dist/ must be at least as new as src/, or the tests would run stale code. */
function assertBuilt(): void {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  let built = 0;
  try {
    built = statSync(MAIN).mtimeMs;
  } catch {
    /* not built */
  }
  if (built < newest - 1000) throw new Error('dist/ is missing or older than src/: run `npm run build` (npm test does it)');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A base port with `count` free client ports and their bus ports. Client ports in
 * 2000..9999 (bus 12000..19999): below the kernel's ephemeral range and away from the
 * raw-node harness (20000..39999), so parallel test files rarely collide.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 2000 + Math.floor(Math.random() * (8000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await portFree(p)) && (await portFree(p + 10000));
    if (ok) return base;
  }
  throw new Error('no free port range');
}

/** A foreground `rck up` (LocalClusterHarness.upInForeground). */
export interface ForegroundUp {
  child: ChildProcess;
  /** Its exit code. */
  exited: Promise<number | null>;
  /** What it printed so far, stdout and stderr together. */
  output: () => string;
}

export class LocalClusterHarness {
  private constructor(
    readonly home: string,
    readonly name: string,
    readonly basePort: number,
    readonly specFile: string,
  ) {}

  /** A temp state home and a spec with a free port range and a short node timeout. */
  static async create(opts: { name?: string; nodeTimeoutMs?: number; redisConfig?: Record<string, string | number>; extraSpec?: string } = {}): Promise<LocalClusterHarness> {
    assertBuilt();
    const home = await mkdtemp(join(tmpdir(), 'rck-e2e-'));
    const name = opts.name ?? 'redis-app';
    const basePort = await freePortRange(20);
    const specFile = join(home, 'cluster.yaml');
    await writeFile(
      specFile,
      [
        'apiVersion: rck.dev/v1alpha1',
        'kind: RedisCluster',
        `metadata: {name: ${name}}`,
        'spec:',
        // Short node timeout: failure detection in ~1 s instead of 5 s keeps the tests fast.
        `  redis: {config: {${Object.entries({ 'cluster-node-timeout': opts.nodeTimeoutMs ?? 1000, ...opts.redisConfig })
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}}}`,
        `  local: {basePort: ${basePort}, portCount: 20${engineLocalFields()}}`,
        opts.extraSpec ?? '',
      ].join('\n'),
    );
    const h = new LocalClusterHarness(home, name, basePort, specFile);
    tracked.add(h);
    return h;
  }

  get stateDir(): string {
    return join(this.home, this.name);
  }

  rck(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, RCK_STATE_HOME: this.home, NO_COLOR: '1', ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs rck and fails with its output unless it exits 0. */
  async ok(args: string[]): Promise<RunResult> {
    const r = await this.rck(args);
    if (r.code !== 0) throw new Error(`rck ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
    return r;
  }

  async status(): Promise<StatusJson> {
    const r = await this.rck(['status', '--json', '--name', this.name]);
    return JSON.parse(r.stdout) as StatusJson;
  }

  member(s: StatusJson, name: string): MemberJson {
    const m = s.members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name} in status`);
    return m;
  }

  /** Polls status until `pred` holds; fails with the last status at the deadline. */
  async waitFor(what: string, pred: (s: StatusJson) => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<StatusJson> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusJson | undefined;
    while (Date.now() < deadline) {
      last = await this.status().catch(() => undefined);
      if (last && (await pred(last))) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last?.members.map((m) => [m.name, m.address, m.role, m.up]))} ${JSON.stringify(last?.health)}`);
  }

  /** `rck up --detach` with the harness's spec, then waits for Ready. */
  async upReady(): Promise<StatusJson> {
    await this.ok(['up', '-f', this.specFile, '--detach']);
    return this.waitFor('Ready', (s) => this.ready(s));
  }

  /** Ready=True: every slot served, every member up, every master with its replicas. */
  ready(s: StatusJson): boolean {
    return s.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  /** Every event from the state dir's event log (controller/events.ts: reason is the CamelCase word, message the text). */
  async events(): Promise<Array<{ time: string; type: string; member: string; reason: string; message: string }>> {
    const r = await this.ok(['events', '--json', '--limit', '1000', '--name', this.name]);
    return JSON.parse(r.stdout);
  }

  /** redis-cli against a member, with the password in the environment. */
  async redisCli(s: StatusJson, member: string, ...args: string[]): Promise<string> {
    const port = this.member(s, member).address.split(':')[1]!;
    const pw = await this.password();
    return new Promise((resolve, reject) =>
      execFile(cliBinary(), ['-p', port, ...args], { env: { ...process.env, REDISCLI_AUTH: pw } }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
    );
  }

  async password(): Promise<string> {
    return (await readFile(join(this.stateDir, 'secret'), 'utf8')).trim();
  }

  async client(s: StatusJson): Promise<Cluster> {
    const nodes = s.members.filter((m) => m.up).map((m) => ({ host: '127.0.0.1', port: Number(m.address.split(':')[1]) }));
    const c = new Cluster(nodes, { redisOptions: { password: await this.password() }, slotsRefreshInterval: 1000 });
    c.on('error', () => {});
    return c;
  }

  /** Pids of the supervisor and the members, as the state dir records them. */
  pids(): number[] {
    const out: number[] = [];
    try {
      out.push((JSON.parse(readFileSync(join(this.stateDir, 'supervisor.json'), 'utf8')) as { pid: number }).pid);
    } catch {
      /* none */
    }
    try {
      const m = JSON.parse(readFileSync(join(this.stateDir, 'members.json'), 'utf8')) as { members: Array<{ pid?: number }> };
      for (const x of m.members) if (x.pid) out.push(x.pid);
    } catch {
      /* none */
    }
    return out;
  }

  /**
   * Kills the recorded pids and, on Linux, every process whose working directory is under
   * this harness's home (members run in their volume), so nothing leaks even if the
   * state files are stale or gone.
   */
  killAllSync(): void {
    const pids = new Set(this.pids());
    try {
      for (const p of readdirSync('/proc')) {
        if (!/^\d+$/.test(p)) continue;
        try {
          if (readlinkSync(`/proc/${p}/cwd`).startsWith(`${this.home}/`)) pids.add(Number(p));
        } catch {
          /* gone, or not ours */
        }
      }
    } catch {
      /* no /proc */
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  /**
   * `rck up -f <spec>` in the foreground, run as `command` (default: node dist/cli/main.js);
   * resolves once it printed that the cluster is up and healthy, or exited, or 30 s passed.
   * The caller stops `child` (SIGINT), and kills it if a check fails first.
   */
  async upInForeground(command: string[] = [process.execPath, MAIN], env: Record<string, string> = {}): Promise<ForegroundUp> {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, [...args, 'up', '-f', this.specFile], {
      env: { ...process.env, RCK_STATE_HOME: this.home, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (!out.includes('up and healthy') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    return { child, exited, output: () => out };
  }

  /** Stops everything (gracefully if possible, then by force) and deletes the temp dir; throws when a member's engine crashed. */
  async cleanup(): Promise<void> {
    await this.rck(['down', '--name', this.name]).catch(() => undefined);
    this.killAllSync();
    tracked.delete(this);
    const crashed = memberLogs(this.home).flatMap((f) => {
      const line = crashLine(readFileSync(f, 'utf8'));
      return line ? [`${f.slice(this.home.length + 1)}: ${line.trim()}`] : [];
    });
    await rm(this.home, { recursive: true, force: true });
    if (crashed.length > 0) throw new Error(`the engine crashed: ${crashed.join('; ')}`);
  }
}

export { pidAlive } from '../../src/platform/local/process-alive.js';

/** Every member log (redis.log) under a state home. */
function memberLogs(dir: string): string[] {
  let out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(memberLogs(p));
    else if (e.name === 'redis.log') out.push(p);
  }
  return out;
}

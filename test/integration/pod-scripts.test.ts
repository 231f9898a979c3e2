/**
 * The pods' scripts run by sh against real redis-server processes: the readiness
 * probe (the Kubernetes tests exercise it too, but with data so small that a replica
 * syncs before any probe could tell): a master is ready, a replica only with its link
 * up; start.sh with a password an existing Secret may hold (quotes, backslash, space);
 * prestop.sh waiting out the first AOF write, during which Redis ignores SIGTERM;
 * with persistence off, prestop.sh marking a node stopped empty and start.sh then
 * starting a master open (spec/admission.ts). In the engine matrix too: on Valkey the image
 * has only valkey-server and valkey-cli.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_DIR, REDIS_PORT } from '../../src/manifests/names.js';
import { PRESTOP_SCRIPT, READY_COMMAND, START_SCRIPT, readyCommand, startScript } from '../../src/manifests/scripts.js';
import { STOPPED_EMPTY_MARKER } from '../../src/spec/admission.js';
import { pollUntil } from '../../src/ops/wait.js';
import { cliBinary, serverBinary } from '../support/engine.js';
import { TestNodes, freePort } from '../support/redis-nodes.js';

/**
 * The member image the scripts run in, as a PATH of its own: the engine's server and CLI
 * (on Valkey only valkey-server and valkey-cli, as in the official valkey image) and the few
 * tools the scripts call, so a script that names a binary the image lacks fails here.
 */
const imageBin = mkdtempSync(join(tmpdir(), 'rck-image-bin-'));
for (const bin of [serverBinary(), cliBinary()]) {
  const path = bin.includes('/') ? bin : execFileSync('/bin/sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
  symlinkSync(path, join(imageBin, basename(bin)));
}
for (const tool of ['cat', 'date', 'grep', 'head', 'rm', 'sed', 'sleep', 'tr']) symlinkSync(`/usr/bin/${tool}`, join(imageBin, tool));
afterAll(() => rmSync(imageBin, { recursive: true, force: true }));
const imageEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, PATH: imageBin, ...env });

/** Kills a start script's redis-server (it execs into it) if it still runs, and removes its directory. */
async function killAndRemove(proc: ChildProcess | undefined, dir: string | undefined): Promise<void> {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Exit code of the probe against a node: the script with the pod's port replaced by the node's. */
function probe(host: string, port: number): Promise<number> {
  const [sh, flag, script] = READY_COMMAND as [string, string, string];
  return new Promise((resolve) => {
    execFile(`/bin/${sh}`, [flag, script.replaceAll(`-p ${REDIS_PORT}`, `-p ${port}`)], { env: imageEnv({ POD_IP: host }) }, (err) =>
      resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0),
    );
  });
}

describe('readiness probe', () => {
  let nodes: TestNodes;
  beforeAll(async () => {
    nodes = await TestNodes.start(2, { clusterEnabled: false });
  });
  afterAll(async () => {
    await nodes?.stop();
  });

  it('is ready for a master, for a synced replica, and not for a replica whose master is gone or a node that does not answer', async () => {
    const [m, r] = nodes.nodes as [TestNodes['nodes'][0], TestNodes['nodes'][0]];
    expect(await probe(m.host, m.port)).toBe(0);
    const rc = nodes.client(1);
    try {
      await rc.call('REPLICAOF', m.host, String(m.port));
      const synced = await pollUntil(async () => ((await rc.info('replication')).includes('master_link_status:up') ? true : undefined), {
        deadline: Date.now() + 10_000,
        intervalMs: 20,
      });
      expect(synced).toBe(true);
      expect(await probe(r.host, r.port)).toBe(0);
      await nodes.kill(0);
      await pollUntil(async () => ((await rc.info('replication')).includes('master_link_status:down') ? true : undefined), {
        deadline: Date.now() + 10_000,
        intervalMs: 20,
      });
      expect(await probe(r.host, r.port)).not.toBe(0);
      expect(await probe(m.host, m.port)).not.toBe(0);
    } finally {
      rc.disconnect();
    }
  });
});

describe('start.sh', () => {
  let dir: string | undefined;
  let proc: ChildProcess | undefined;
  afterAll(async () => {
    await killAndRemove(proc, dir);
  });

  it('starts redis-server with a password holding quotes, a backslash and a space', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rck-start-'));
    const port = await freePort();
    await writeFile(join(dir, 'shared.conf'), 'save ""\n');
    // The pod's paths and port, moved to this test's directory and a free port.
    const script = START_SCRIPT.replaceAll('/etc/rck/redis.conf', join(dir, 'shared.conf')).replaceAll('/data', dir).replaceAll(`port ${REDIS_PORT}`, `port ${port}`);
    const password = 'we"ird\\pa ss';
    proc = spawn('/bin/sh', ['-c', script], { env: imageEnv({ POD_IP: '127.0.0.1', REDISCLI_AUTH: password }), stdio: 'ignore' });
    const client = () => new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const pong = await pollUntil(
      async () => {
        const c = client();
        c.on('error', () => {});
        try {
          await c.connect();
          return (await c.ping()) === 'PONG' ? true : undefined;
        } finally {
          c.disconnect();
        }
      },
      { deadline: Date.now() + 10_000, intervalMs: 50 },
    );
    expect(pong).toBe(true);
  });

  it('announces the load balancer address from its file (external access), and nothing when the file is not there yet', async () => {
    await killAndRemove(proc, dir); // the previous test's server and directory
    proc = undefined;
    dir = await mkdtemp(join(tmpdir(), 'rck-start-'));
    await writeFile(join(dir, 'shared.conf'), 'save ""\n');
    const announced = async (file: string) => {
      const port = await freePort();
      const script = START_SCRIPT.replaceAll('/etc/rck/redis.conf', join(dir!, 'shared.conf')).replaceAll('/data', dir!).replaceAll(`port ${REDIS_PORT}`, `port ${port}`);
      const p = spawn('/bin/sh', ['-c', script], { env: imageEnv({ POD_IP: '127.0.0.1', EXTERNAL_ADDRESS_FILE: file }), stdio: 'ignore' });
      try {
        return await pollUntil(
          async () => {
            const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            c.on('error', () => {});
            try {
              await c.connect();
              const pairs = (await c.config('GET', 'cluster-announce-hostname', 'cluster-preferred-endpoint-type')) as string[];
              return Object.fromEntries(pairs.flatMap((v, i) => (i % 2 === 0 ? [[v, pairs[i + 1]]] : [])));
            } catch {
              return undefined;
            } finally {
              c.disconnect();
            }
          },
          { deadline: Date.now() + 10_000, intervalMs: 50 },
        );
      } finally {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await exited;
      }
    };
    const file = join(dir, 'ext-0');
    expect(await announced(file)).toEqual({ 'cluster-announce-hostname': '', 'cluster-preferred-endpoint-type': 'ip' });
    await writeFile(file, '198.51.100.7');
    expect(await announced(file)).toEqual({ 'cluster-announce-hostname': '198.51.100.7', 'cluster-preferred-endpoint-type': 'hostname' });
  });
});

describe('prestop.sh', () => {
  let nodes: TestNodes;
  beforeAll(async () => {
    nodes = await TestNodes.start(1, { clusterEnabled: false });
  });
  afterAll(async () => {
    await nodes?.stop();
  });

  it('returns only once the first AOF is written, so the SIGTERM that follows stops redis-server', async () => {
    const n = nodes.nodes[0]!;
    const c = nodes.client(0);
    try {
      for (let i = 0; i < 100; i++) await c.set(`k${i}`, 'v');
      // Turning AOF on writes the first AOF (as a replica does after a full sync); 20 ms
      // per key makes that take ~2 s. Redis refuses SIGTERM meanwhile and never retries.
      await c.config('SET', 'rdb-key-save-delay', '20000');
      await c.config('SET', 'appendonly', 'yes');
      expect(await c.info('persistence')).toMatch(/aof_rewrite_in_progress:1/);
    } finally {
      c.disconnect();
    }
    const script = PRESTOP_SCRIPT.replaceAll(`-p ${REDIS_PORT}`, `-p ${n.port}`);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/bin/sh', ['-c', script], { env: imageEnv({ POD_IP: n.host, HANDOVER_SECONDS: '20' }) }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(out).toContain('no handover');
    const exited = new Promise((r) => n.proc.once('exit', r));
    n.proc.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
    expect(stopped).toBe(true);
  });
});

describe('stopped empty, persistence off', () => {
  let dir: string | undefined;
  let nodes: TestNodes | undefined;
  let proc: ChildProcess | undefined;
  afterAll(async () => {
    await nodes?.stop();
    await killAndRemove(proc, dir);
  });

  const marker = () => join(dir!, STOPPED_EMPTY_MARKER);
  const prestop = (port: number, host: string) => {
    const script = PRESTOP_SCRIPT.replaceAll(`-p ${REDIS_PORT}`, `-p ${port}`).replaceAll('/etc/rck/redis.conf', join(dir!, 'shared.conf')).replaceAll('/data', dir!);
    return new Promise<string>((resolve, reject) =>
      execFile('/bin/sh', ['-c', script], { env: imageEnv({ POD_IP: host, HANDOVER_SECONDS: '5' }) }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
  };

  it('prestop.sh leaves the marker only when no key is left, with writes paused; start.sh then starts a master open and takes the marker', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rck-empty-'));
    await writeFile(join(dir, 'shared.conf'), 'save ""\nappendonly no\n');
    nodes = await TestNodes.start(1, { clusterEnabled: false });
    const n = nodes.nodes[0]!;
    const c = nodes.client(0);
    try {
      await c.set('k', 'v');
      await prestop(n.port, n.host);
      expect(
        await access(marker()).then(
          () => true,
          () => false,
        ),
      ).toBe(false);
      await c.call('CLIENT', 'UNPAUSE');
      await c.del('k');
      await prestop(n.port, n.host);
      expect(
        await access(marker()).then(
          () => true,
          () => false,
        ),
      ).toBe(true);
      // Writes stay paused until the container is gone: a write now waits (Redis counts it blocked).
      const writer = nodes.client(0);
      try {
        let written = false;
        const write = writer.set('late', 'v').then(() => (written = true));
        const blocked = await pollUntil(async () => (/^blocked_clients:1\r?$/m.test(await c.info('clients')) ? true : undefined), {
          deadline: Date.now() + 5000,
          intervalMs: 50,
        });
        expect(blocked).toBe(true);
        expect(written).toBe(false);
        await c.call('CLIENT', 'UNPAUSE');
        await write;
      } finally {
        writer.disconnect();
      }
    } finally {
      c.disconnect();
    }

    // A master with slots in nodes.conf, no AOF: closed, unless the marker is there.
    await writeFile(join(dir, 'nodes.conf'), 'aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\nvars currentEpoch 6 lastVoteEpoch 0\n');
    const port = await freePort();
    const script = START_SCRIPT.replaceAll('/etc/rck/redis.conf', join(dir, 'shared.conf')).replaceAll('/data', dir).replaceAll(`port ${REDIS_PORT}`, `port ${port}`);
    let out = '';
    proc = spawn('/bin/sh', ['-c', `${script.replace('exec "$server" "$conf"', 'cat "$conf"')}`], {
      env: imageEnv({ POD_IP: '127.0.0.1', REDISCLI_AUTH: 'pw' }),
    });
    proc.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => proc!.once('exit', r));
    expect(out).toContain('requirepass "pw"');
    expect(out).not.toContain('user default');
    expect(
      await access(marker()).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
    // Without the marker (the next start, or a crash): closed.
    out = '';
    proc = spawn('/bin/sh', ['-c', `${script.replace('exec "$server" "$conf"', 'cat "$conf"')}`], {
      env: imageEnv({ POD_IP: '127.0.0.1', REDISCLI_AUTH: 'pw' }),
    });
    proc.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => proc!.once('exit', r));
    expect(out).toMatch(/^user default on ">pw" .*-psync/m);
  });
});

describe("start.sh with rck's own users and spec.auth.users (Kubernetes)", () => {
  let dir: string | undefined;
  let proc: ChildProcess | undefined;
  afterAll(async () => {
    await killAndRemove(proc, dir);
  });

  const users = [{ name: 'app', rules: '~* +@all -flushall' }];
  const APP_PW = 'app "pw" \\ x';

  /** Starts the script on a free port with the auth dir's files; returns the port. */
  async function start(closed: boolean): Promise<number> {
    dir = await mkdtemp(join(tmpdir(), 'rck-start-users-'));
    const auth = join(dir, 'auth');
    await mkdir(join(auth, 'users'), { recursive: true });
    await writeFile(join(auth, 'rck-admin'), 'admin-pw');
    await writeFile(join(auth, 'rck-replication'), 'repl-pw');
    await writeFile(join(auth, 'users', 'app'), APP_PW);
    await writeFile(join(dir, 'shared.conf'), 'save ""\n');
    if (closed) await writeFile(join(dir, 'nodes.conf'), 'aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\nvars currentEpoch 6 lastVoteEpoch 0\n');
    const port = await freePort();
    const script = startScript(false, { defaultUserOff: true, users })
      .replaceAll(AUTH_DIR, auth)
      .replaceAll('/etc/rck/redis.conf', join(dir, 'shared.conf'))
      .replaceAll('/data', dir)
      .replaceAll(`port ${REDIS_PORT}`, `port ${port}`);
    // Cluster mode off: a closed start is judged from nodes.conf alone.
    proc = spawn('/bin/sh', ['-c', script], { env: imageEnv({ POD_IP: '127.0.0.1', REDISCLI_AUTH: 'default-pw' }), stdio: 'ignore' });
    return port;
  }

  /** A connection once the server answers (a new client per try: a refused one has ended). */
  const login = (port: number, username: string | undefined, password: string | undefined) =>
    pollUntil(
      async () => {
        const c = new Redis({ host: '127.0.0.1', port, username, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
        c.on('error', () => {});
        return c.connect().then(
          () => c,
          () => void c.disconnect(),
        );
      },
      { deadline: Date.now() + 10_000, intervalMs: 50 },
    ) as Promise<Redis>;

  it('open: the default user is off, rck-admin has every command, rck-replication only PSYNC/REPLCONF/PING, app its rules with a quoted password', async () => {
    const port = await start(false);
    const admin = await login(port, 'rck-admin', 'admin-pw');
    try {
      expect(await admin.call('CONFIG', 'GET', 'masteruser')).toEqual(['masteruser', 'rck-replication']);
      expect(await admin.set('k', 'v')).toBe('OK');
      expect(String(await admin.call('ACL', 'DRYRUN', 'rck-replication', 'PSYNC', '?', '-1'))).toBe('OK');
      expect(String(await admin.call('ACL', 'DRYRUN', 'rck-replication', 'GET', 'k'))).toMatch(/no permissions/);
    } finally {
      admin.disconnect();
    }
    const app = await login(port, 'app', APP_PW);
    expect(await app.get('k')).toBe('v');
    await expect(app.call('FLUSHALL')).rejects.toThrow(/NOPERM/);
    app.disconnect();
    const anon = await login(port, undefined, undefined);
    await expect(anon.ping()).rejects.toThrow(/NOAUTH/);
    await expect(anon.call('AUTH', 'default-pw')).rejects.toThrow(/WRONGPASS/);
    anon.disconnect();
    // The readiness probe logs in as rck-admin (a master: ready).
    const [sh, flag, probeScript] = readyCommand(false) as [string, string, string];
    const code = await new Promise<number>((resolve) =>
      execFile(
        `/bin/${sh}`,
        [flag, probeScript.replaceAll(AUTH_DIR, join(dir!, 'auth')).replaceAll(`-p ${REDIS_PORT}`, `-p ${port}`)],
        { env: imageEnv({ POD_IP: '127.0.0.1' }) },
        (err) => resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0),
      ),
    );
    expect(code).toBe(0);
  });

  it('closed: rck-admin may not read, write or PSYNC; rck-replication and app are off (3 refusals)', async () => {
    await killAndRemove(proc, dir);
    const port = await start(true);
    const admin = await login(port, 'rck-admin', 'admin-pw');
    try {
      await expect(admin.get('k')).rejects.toThrow(/NOPERM/);
      expect(String(await admin.call('ACL', 'DRYRUN', 'rck-admin', 'PSYNC', '?', '-1'))).toMatch(/no permissions/);
    } finally {
      admin.disconnect();
    }
    for (const [user, pw] of [
      ['rck-replication', 'repl-pw'],
      ['app', APP_PW],
    ] as const) {
      const c = await login(port, undefined, undefined);
      await expect(c.call('AUTH', user, pw)).rejects.toThrow(/WRONGPASS/);
      c.disconnect();
    }
  });
});

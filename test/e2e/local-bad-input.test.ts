/**
 * Bad input to `rck up`: each is one clear line on stderr, a non-zero exit, and
 * nothing started, written or deleted.
 */
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { LocalClusterHarness, type RunResult } from '../support/local-cluster.js';

function expectOneLineError(r: RunResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  const lines = r.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('hint:'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^rck: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('rck up refuses bad input and starts nothing', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'bad' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  /** Nothing under the state home but the spec files the test wrote; no temp files left in its TMPDIR. */
  async function nothingCreated(): Promise<void> {
    expect((await readdir(h.home)).filter((f) => !f.endsWith('.yaml') && f !== 'bin' && f !== 'other' && f !== 'tmp')).toEqual([]);
    if (existsSync(tmp())) expect(await readdir(tmp())).toEqual([]);
  }

  /** TMPDIR of the rck runs that check for temp files. */
  function tmp(): string {
    return join(h.home, 'tmp');
  }

  /** Processes (a supervisor, a member, a throwaway redis-server) that run in or name the state home. */
  function processesOfHome(): string[] {
    const out: string[] = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        if (cwd.startsWith(h.home) || cmd.includes(h.home)) out.push(`${pid} ${cmd}`);
      } catch {
        /* gone, or not ours to read */
      }
    }
    return out;
  }

  /** Supervisor processes started by rck runs of this test (they run with its state home). */
  function supervisorsOfHome(): string[] {
    return readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((pid) => {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          return cmd.includes('supervisor-main.js') && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`RCK_STATE_HOME=${h.home}`);
        } catch {
          return false; // gone, or not ours to read
        }
      });
  }

  async function spec(name: string, text: string): Promise<string> {
    const p = join(h.home, name);
    await writeFile(p, text);
    return p;
  }

  it('an unknown flag: the usage error, and the supervisor process `up` launches early exits with it', async () => {
    const r = await h.rck(['up', '-f', h.specFile, '--no-such-flag']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown option '--no-such-flag'/);
    const deadline = Date.now() + 10_000;
    while (supervisorsOfHome().length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    expect(supervisorsOfHome()).toEqual([]);
    await nothingCreated();
  });

  it('a cluster name given as an argument (`rck down bad`, `rck kill bad-0 bad`): the usage error and a hint naming --name; nothing created', async () => {
    for (const [args, hint] of [
      [['down', 'bad'], 'rck down --name bad'],
      [['kill', 'bad-0', 'bad'], 'rck kill bad-0 --name bad'],
    ] as const) {
      const r = await h.rck([...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`too many arguments for '${args[0]}'`));
      expect(r.stderr).toContain(`hint: a cluster is named with --name: ${hint}`);
    }
    await nothingCreated();
  });

  it('a spec with an unknown field', async () => {
    const f = await spec('unknown.yaml', `metadata: {name: bad}\nspec:\n  masters: 3\n  replicas: 1\n  local: {basePort: ${h.basePort}}\n`);
    expectOneLineError(await h.rck(['up', '-f', f, '--detach']), /unknown\.yaml: spec\.replicas: unknown field/);
    await nothingCreated();
  });

  it('an empty spec file, to each command that takes -f (up, render, scale): one line naming the file', async () => {
    const f = await spec('empty.yaml', '# nothing yet\n');
    const commands = [
      ['up', '-f', f, '--detach'],
      ['up', '-f', f],
      ['render', '-f', f],
      ['scale', '-f', f, '--masters', '4'],
    ];
    for (const args of commands) {
      const r = await h.rck(args);
      expectOneLineError(r, /empty\.yaml: the spec file is empty: no RedisCluster in it/);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(await readFile(f, 'utf8')).toBe('# nothing yet\n');
    await nothingCreated();
  });

  it('a redis.conf directive Redis rejects: one line quoting Redis and naming the field; no state dir, process or temp file', async () => {
    const f = await spec('policy.yaml', `metadata: {name: bad}\nspec:\n  redis: {config: {maxmemory-policy: sometimes}}\n  local: {basePort: ${h.basePort}}\n`);
    await mkdir(tmp(), { recursive: true });
    for (const args of [
      ['up', '-f', f, '--detach'],
      ['up', '-f', f],
    ]) {
      const r = await h.rck(args, { TMPDIR: tmp() });
      expectOneLineError(
        r,
        /^rck: \S*policy\.yaml: spec\.redis\.config\.maxmemory-policy: redis-server 7\.\d+\.\d+ rejects `maxmemory-policy sometimes`: argument\(s\) must be one of the following: .*noeviction$/,
      );
      await nothingCreated();
      expect(processesOfHome()).toEqual([]);
    }
  });

  it('an ACL user Redis rejects after parsing: one line with its reason, naming spec.redis.config.user; nothing left', async () => {
    const f = await spec('acl.yaml', `metadata: {name: bad}\nspec:\n  redis: {config: {user: "bob on +no-such-command"}}\n  local: {basePort: ${h.basePort}}\n`);
    await mkdir(tmp(), { recursive: true });
    const r = await h.rck(['up', '-f', f, '--detach'], { TMPDIR: tmp() });
    expectOneLineError(r, /acl\.yaml: spec\.redis\.config\.user: redis-server 7\.\d+\.\d+ rejects the configuration: .*ACL/);
    await nothingCreated();
    expect(processesOfHome()).toEqual([]);
  });

  it('members that exit as soon as they start: one line with the reason; no state dir, supervisor or member left', async () => {
    // A redis-server that passes the version and configuration checks, then cannot start.
    const fake = join(h.home, 'bin', 'redis-server');
    await mkdir(join(h.home, 'bin'), { recursive: true });
    await writeFile(fake, '#!/bin/sh\ncase "$1" in --version|-) exec redis-server "$@";; esac\necho "simulated: cannot start"\nexit 1\n');
    await chmod(fake, 0o755);
    for (const args of [
      ['up', '-f', h.specFile, '--detach'],
      ['up', '-f', h.specFile],
    ]) {
      const r = await h.rck(args, { RCK_REDIS_SERVER: fake });
      // Progress lines come first (the start had begun); then the one error line.
      expectOneLineError(
        { ...r, stderr: r.stderr.replace(/^\[ *[\d.]+s\] .*\n/gm, '') },
        /bad-\d: exited during start \(exit code 1\): "simulated: cannot start"; nothing was kept \(the new cluster's state directory is removed\)$/,
      );
      await nothingCreated();
      expect(processesOfHome()).toEqual([]);
    }
  });

  it('scale that the supervisor does not take: the spec file is left as it was', async () => {
    // A cluster whose recorded supervisor is alive (this test process) but has no control socket.
    const text = `metadata: {name: bad}\nspec: {masters: 3, local: {basePort: ${h.basePort}}}\n`;
    const f = await spec('scale.yaml', text);
    const dir = join(h.home, 'bad');
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'cluster.json'), JSON.stringify({ format: 1, name: 'bad', uid: 'u', createdAt: 'now', masters: 3, replicasPerMaster: 1 }));
      await writeFile(join(dir, 'spec.json'), JSON.stringify(parseSpec(text, 'scale.yaml')));
      await writeFile(join(dir, 'supervisor.json'), JSON.stringify({ pid: process.pid, startedAt: 'now' }));
      const r = await h.rck(['scale', '-f', f, '--masters', '4']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^rck: /m);
      expect(await readFile(f, 'utf8')).toBe(text);
      expect(JSON.parse(await readFile(join(dir, 'spec.json'), 'utf8')).spec.masters).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an impossible size: 2 masters', async () => {
    const f = await spec('two.yaml', `metadata: {name: bad}\nspec: {masters: 2, local: {basePort: ${h.basePort}}}\n`);
    expectOneLineError(await h.rck(['up', '-f', f, '--detach']), /spec\.masters: a Redis Cluster needs at least 3 masters \(got 2\)/);
    await nothingCreated();
  });

  it('a port range already in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(h.basePort + 2, '127.0.0.1', () => r()));
    try {
      const r = await h.rck(['up', '-f', h.specFile, '--detach']);
      expectOneLineError(r, new RegExp(`port 127\\.0\\.0\\.1:${h.basePort + 2} for member bad-2 is already in use`));
      await nothingCreated();
    } finally {
      busy.close();
    }
  });

  it('redis-server missing', async () => {
    const r = await h.rck(['up', '-f', h.specFile, '--detach'], { RCK_REDIS_SERVER: join(h.home, 'no-such-redis-server') });
    expectOneLineError(r, /redis-server not found/);
    await nothingCreated();
  });

  it('redis-server older than 7', async () => {
    const fake = join(h.home, 'bin', 'redis-server');
    await mkdir(join(h.home, 'bin'), { recursive: true });
    await writeFile(fake, '#!/bin/sh\necho "Redis server v=6.2.14 sha=00000000:0 malloc=jemalloc-5.1.0 bits=64 build=1"\n');
    await chmod(fake, 0o755);
    const r = await h.rck(['up', '-f', h.specFile, '--detach'], { RCK_REDIS_SERVER: fake });
    expectOneLineError(r, /redis-server 6\.2\.14 is too old: rck needs Redis 7 or newer/);
    await nothingCreated();
  });

  it('a state directory of another cluster: refused, and its files untouched', async () => {
    const other = join(h.home, 'other');
    await mkdir(other);
    const identity = JSON.stringify({ format: 1, name: 'someone-else', uid: 'u', createdAt: 'now', masters: 3, replicasPerMaster: 1 });
    await writeFile(join(other, 'cluster.json'), identity);
    await writeFile(join(other, 'secret'), 'theirs\n');
    const r = await h.rck(['up', '-f', h.specFile, '--state-dir', other, '--detach']);
    expectOneLineError(r, /state directory .*other belongs to cluster "someone-else", not "bad"/);
    expect((await readdir(other)).sort()).toEqual(['cluster.json', 'secret']);
    expect(await readFile(join(other, 'cluster.json'), 'utf8')).toBe(identity);
    expect(existsSync(join(h.home, 'bad'))).toBe(false);

    const purge = await h.rck(['down', '--state-dir', other, '--purge', '--yes']);
    expect(purge.code).not.toBe(0); // no spec.json: not a cluster we can act on
    expect(existsSync(join(other, 'cluster.json'))).toBe(true);
  });
});

/**
 * Lifecycle of a local cluster on real redis-server processes: up twice (no re-create),
 * down + up (same node ids, data intact), a member that crashes by itself restarts on
 * its old address, restart --new-address, down --purge.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectNode } from '../../src/redis/connection.js';
import { parseAddress } from '../../src/redis/address.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson, pidAlive } from '../support/local-cluster.js';
import { engineNamePattern } from '../support/engine.js';
import { passwordProfile } from '../../src/redis/profile.js';

const ids = (s: StatusJson) => s.members.map((m) => m.nodeId);

describe('local cluster lifecycle', () => {
  let h: LocalClusterHarness;
  let first: StatusJson;
  let upOutput = '';
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'life' });
    const up = await h.ok(['up', '-f', h.specFile, '--detach']);
    upOutput = up.stdout + up.stderr;
    first = await h.status();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('up twice: the second up finds it running and re-creates nothing', async () => {
    expect(first.health.healthy).toBe(true);
    const identity = await readFile(join(h.stateDir, 'cluster.json'), 'utf8');
    const again = await h.ok(['up', '-f', h.specFile, '--detach']);
    expect(again.stdout).toContain('already up');
    const s = await h.status();
    expect(ids(s)).toEqual(ids(first));
    expect(s.supervisor?.pid).toBe(first.supervisor?.pid);
    expect(await readFile(join(h.stateDir, 'cluster.json'), 'utf8')).toBe(identity);
  });

  it('up names the engine it found (spec.local.serverBinary), and the members run it', async () => {
    expect(upOutput).toMatch(new RegExp(`new cluster life \\(${engineNamePattern.source}: \\S+\\)`));
    const info = await h.ok(['connect', 'life-0', '--', 'INFO', 'server']);
    const [name, version] = engineNamePattern.source.includes('valkey') ? ['valkey', /valkey_version:(\S+)/] : ['redis', /redis_version:(\S+)/];
    expect(`${name} ${version.exec(info.stdout)?.[1]}`).toMatch(engineNamePattern);
  });

  it('logs shows a member log; connect runs redis-cli with the password in its environment', async () => {
    const logs = await h.ok(['logs', 'life-0', '-n', '200']);
    expect(logs.stdout).toContain('Ready to accept connections');
    const set = await h.ok(['connect', 'life-1', '--', 'SET', 'life:connect', 'yes']); // -c follows MOVED
    expect(set.stdout.trim()).toBe('OK');
    const get = await h.ok(['connect', 'life-4', '--', 'GET', 'life:connect']);
    expect(get.stdout.trim()).toBe('yes');
    const bad = await h.rck(['logs', 'life-9']);
    expect(bad.stderr).toContain('no member "life-9" in cluster life');
  });

  it('password: in a 0600 file, never in output or on a command line', async () => {
    const pw = await h.password();
    const { mode } = await import('node:fs/promises').then((fs) => fs.stat(join(h.stateDir, 'secret')));
    expect(mode & 0o777).toBe(0o600);
    const env = await h.ok(['env', '--name', 'life']);
    expect(env.stdout).toContain('REDISCLI_AUTH="$(cat ');
    expect(env.stdout + env.stderr).not.toContain(pw);
    const status = await h.rck(['status', '--name', 'life']);
    expect(status.stdout + status.stderr).not.toContain(pw);
    for (const m of first.members) {
      const cmdline = await readFile(`/proc/${m.pid}/cmdline`, 'utf8').catch(() => '');
      expect(cmdline).not.toContain(pw);
    }
    const log = await readFile(join(h.stateDir, 'supervisor.log'), 'utf8');
    expect(log).not.toContain(pw);
  });

  it('down + up: same node ids, same roles, data intact, on the previous addresses', async () => {
    const c = await h.client(first);
    for (let i = 0; i < 200; i++) await c.set(`life:${i}`, String(i));
    c.disconnect();
    const pids = [first.supervisor!.pid, ...first.members.map((m) => m.pid!)];
    // Redis 7.0 refuses a SIGTERM while it writes its first AOF ("Writing initial AOF,
    // can't exit"), as a replica does right after a full sync, and never retries by
    // itself. Make life-0 do that for ~1 s (rdb-key-save-delay: microseconds per key).
    for (const [k, v] of [
      ['appendonly', 'no'],
      ['rdb-key-save-delay', '20000'],
      ['appendonly', 'yes'],
    ]) {
      await h.redisCli(first, 'life-0', 'CONFIG', 'SET', k!, v!);
    }

    const down = await h.ok(['down', '--name', 'life']);
    expect(down.stdout).toContain('data kept');
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    // It exited by itself once the AOF was written, not killed when the grace period ran out.
    const stops = (await h.events()).filter((e) => e.member === 'life-0' && e.reason === 'Stopped');
    expect(stops.at(-1)?.message).not.toMatch(/SIGKILL/);
    const stopped = await h.status();
    expect(stopped.supervisor).toBeNull();
    expect(stopped.members.every((m) => !m.up)).toBe(true);

    const up = await h.ok(['up', '--name', 'life', '--detach']);
    expect(up.stdout).toContain('not re-created');
    const s = await h.status();
    expect(s.health.healthy).toBe(true);
    expect(ids(s)).toEqual(ids(first));
    expect(s.members.map((m) => m.address)).toEqual(first.members.map((m) => m.address));
    expect(s.members.map((m) => m.role)).toEqual(first.members.map((m) => m.role));
    const c2 = await h.client(s);
    const values = await Promise.all(Array.from({ length: 200 }, (_, i) => c2.get(`life:${i}`)));
    c2.disconnect();
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    first = s;
  });

  it('a member that dies by itself restarts on its old address (container restart)', async () => {
    const victim = h.member(first, 'life-4');
    process.kill(victim.pid!, 'SIGKILL'); // not through rck: a crash
    const s = await h.waitFor('life-4 restarted', (x) => {
      const m = h.member(x, 'life-4');
      return m.up && m.pid !== victim.pid && x.health.healthy;
    });
    const m = h.member(s, 'life-4');
    expect(m.address).toBe(victim.address);
    expect(m.nodeId).toBe(victim.nodeId);
    expect(m.restarts).toBe(victim.restarts + 1);
  });

  it('restart --new-address: same node id, new port, cluster healthy again', async () => {
    const before = h.member(await h.status(), 'life-5');
    const r = await h.ok(['restart', 'life-5', '--new-address']);
    expect(r.stdout).toContain('life-5 restarted on');
    const s = await h.waitFor('life-5 back and healthy', (x) => h.member(x, 'life-5').up && x.health.healthy);
    const m = h.member(s, 'life-5');
    expect(m.address).not.toBe(before.address);
    expect(m.nodeId).toBe(before.nodeId);
    expect(m.role).toBe('replica');
  });

  it('restart --new-address --host: moves to another loopback address; every view, its own included, follows', async () => {
    const before = h.member(await h.status(), 'life-2');
    await h.ok(['restart', 'life-2', '--new-address', '--host', '127.0.0.2']);
    const s = await h.waitFor('life-2 back on 127.0.0.2 and healthy', (x) => h.member(x, 'life-2').address.startsWith('127.0.0.2:') && x.health.healthy);
    const m = h.member(s, 'life-2');
    expect(m.nodeId).toBe(before.nodeId);
    // A master hands its slots over before a planned restart (the controller may later move them back).
    expect(['master', 'replica']).toContain(m.role);
    // Its own view (what clients asking it read) shows the new address too.
    const c = await connectNode(parseAddress(m.address), { profile: passwordProfile(await h.password()) });
    const myself = String(await c.call('CLUSTER', 'NODES'))
      .split('\n')
      .find((l) => l.includes('myself'));
    // The keeper's connections say who they are (the connection profile's client name); the
    // supervisor dials the moved member again on its next observation.
    let names: (string | undefined)[] = [];
    for (const deadline = Date.now() + 10_000; !names.includes('rck-supervisor') && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      names = String(await c.call('CLIENT', 'LIST'))
        .split('\n')
        .map((l) => / name=(\S*)/.exec(l)?.[1]);
    }
    c.disconnect();
    expect(myself).toContain(` ${m.address}@`);
    expect(names).toContain('rck-supervisor');
    const bad = await h.rck(['restart', 'life-2', '--new-address', '--host', '10.0.0.1']);
    expect(bad.stderr).toMatch(/^rck: --host 10\.0\.0\.1: must be a loopback IPv4 address/);
  });

  it('down --purge: refused without --yes when not interactive, then deletes everything with --yes', async () => {
    // The controller may still be moving roles after the previous test: wait for calm first.
    const calm = await h.waitFor('healthy', (x) => x.health.healthy);
    const refused = await h.rck(['down', '--name', 'life', '--purge']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^rck: refusing to delete the volumes of cluster life without confirmation\n/);
    // Nothing stopped, nothing deleted: the same processes, and healthy.
    const still = await h.waitFor('still healthy', (x) => x.health.healthy);
    expect(still.members.map((m) => [m.name, m.pid])).toEqual(calm.members.map((m) => [m.name, m.pid]));

    const s = await h.status();
    const pids = [s.supervisor!.pid, ...s.members.map((m) => m.pid!)];
    const purged = await h.ok(['down', '--name', 'life', '--purge', '--yes']);
    expect(purged.stdout).toContain('purged');
    expect(existsSync(h.stateDir)).toBe(false);
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    const after = await h.rck(['status', '--name', 'life']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('no local cluster "life"');
  });
});

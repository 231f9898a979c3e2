/**
 * rck's own users on the local platform, on real redis-server processes (issue 15): the
 * keeper logs in as rck-admin and replicas as rck-replication (masteruser), never as the
 * default user; a cluster made before them keeps the default user while its members run and
 * gets them after `down` and `up`; with spec.auth.defaultUser off no client gets in without a
 * user of its own, and failover, re-creation and replication still work.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { connectNode } from '../../src/redis/connection.js';
import { type ConnectionProfile, passwordProfile } from '../../src/redis/profile.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

interface ClientRow {
  name: string;
  user: string;
  flags: string;
}

function clientRows(list: string): ClientRow[] {
  return list
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .map((f) => ({ name: f.name ?? '', user: f.user ?? '', flags: f.flags ?? '' }));
}

async function keeperProfile(h: LocalClusterHarness): Promise<ConnectionProfile> {
  return { ...passwordProfile((await readFile(join(h.stateDir, 'keeper', 'rck-admin'), 'utf8')).trim()), username: 'rck-admin' };
}

/** Every member's CLIENT LIST rows, read with `profile`. */
async function clientsOf(s: StatusJson, profile: ConnectionProfile): Promise<Map<string, ClientRow[]>> {
  const out = new Map<string, ClientRow[]>();
  for (const m of s.members) {
    const c = await connectNode(parseAddress(m.address), { profile, timeoutMs: 2000 });
    out.set(m.name, clientRows(String(await c.call('CLIENT', 'LIST'))));
    c.disconnect();
  }
  return out;
}

/** Users the keeper's own connections (client names rck*) logged in as, over all members. */
function keeperLogins(rows: Map<string, ClientRow[]>): Set<string> {
  return new Set([...rows.values()].flat().flatMap((r) => (r.name.startsWith('rck-supervisor') ? [r.user] : [])));
}

describe("local cluster: rck's own users", () => {
  let h: LocalClusterHarness;
  let ready: StatusJson;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'kusr' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('the supervisor logs in as rck-admin on all 6 members and the 3 replicas as rck-replication; neither uses the default user', async () => {
    ready = await h.upReady();
    for (const u of ['rck-admin', 'rck-replication']) expect(((await stat(join(h.stateDir, 'keeper', u))).mode & 0o777).toString(8)).toBe('600');
    // The supervisor's pool keeps a connection to every member between passes.
    const rows = await h.waitFor('a supervisor connection on every member', async (s) =>
      [...(await clientsOf(s, await keeperProfile(h))).values()].every((r) => r.some((x) => x.name === 'rck-supervisor')),
    );
    const clients = await clientsOf(rows, await keeperProfile(h));
    expect(keeperLogins(clients)).toEqual(new Set(['rck-admin']));
    const replicaLinks = [...clients.values()].flat().filter((r) => r.flags.includes('S'));
    expect(replicaLinks.map((r) => r.user)).toEqual(['rck-replication', 'rck-replication', 'rck-replication']);
    let checked = 0;
    for (const m of ready.members) {
      const c = await connectNode(parseAddress(m.address), { profile: await keeperProfile(h), timeoutMs: 2000 });
      expect(await c.call('CONFIG', 'GET', 'masteruser')).toEqual(['masteruser', 'rck-replication']);
      c.disconnect();
      checked++;
    }
    expect(checked).toBe(6);
  });

  it('a cluster made before them keeps the default user while its members run, and gets them after down and up; 200 keys intact', async () => {
    const client = await h.client(ready);
    for (let i = 0; i < 200; i++) await client.set(`old:${i}`, String(i));
    client.disconnect();
    // An older rck left no keeper/ directory: the supervisor dies, its members keep serving.
    const { pid } = JSON.parse(await readFile(join(h.stateDir, 'supervisor.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await rename(join(h.stateDir, 'keeper'), join(h.home, 'keeper-gone'));
    await h.ok(['up', '-f', h.specFile, '--detach']);
    const adopted = await h.waitFor('Ready with a supervisor connection on every member', async (s) => {
      if (!h.ready(s)) return false;
      const rows = await clientsOf(s, passwordProfile(await h.password()));
      return [...rows.values()].every((r) => r.some((x) => x.name === 'rck-supervisor'));
    });
    expect(keeperLogins(await clientsOf(adopted, passwordProfile(await h.password())))).toEqual(new Set(['default']));
    await expect(stat(join(h.stateDir, 'keeper'))).rejects.toThrow(/ENOENT/);

    await h.ok(['down', '--name', h.name]);
    await h.ok(['up', '-f', h.specFile, '--detach']);
    const back = await h.waitFor('Ready with a supervisor connection on every member', async (s) => {
      if (!h.ready(s)) return false;
      const rows = await clientsOf(s, await keeperProfile(h));
      return [...rows.values()].every((r) => r.some((x) => x.name === 'rck-supervisor'));
    });
    const clients = await clientsOf(back, await keeperProfile(h));
    expect(keeperLogins(clients)).toEqual(new Set(['rck-admin']));
    expect([...clients.values()].flat().filter((r) => r.flags.includes('S')).length).toBe(3);
    const again = await h.client(back);
    let intact = 0;
    for (let i = 0; i < 200; i++) if ((await again.get(`old:${i}`)) === String(i)) intact++;
    again.disconnect();
    expect(intact).toBe(200);
  });
});

describe('local cluster with spec.auth.defaultUser off', () => {
  let h: LocalClusterHarness;
  let ready: StatusJson;
  let appPw: string;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({
      name: 'nodef',
      redisConfig: { 'slowlog-log-slower-than': 0 },
      extraSpec: '  auth: {defaultUser: "off", users: [{name: app, rules: "~* &* +@all"}]}',
    });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const appClient = (s: StatusJson): Cluster => {
    const c = new Cluster(
      s.members.filter((m) => m.up).map((m) => parseAddress(m.address)),
      { redisOptions: { username: 'app', password: appPw }, slotsRefreshInterval: 500 },
    );
    c.on('error', () => {});
    return c;
  };

  it('no client gets in without a user: NOAUTH with none, WRONGPASS as default; the app user writes 1000 keys', async () => {
    ready = await h.upReady();
    appPw = (await readFile(join(h.stateDir, 'users', 'app'), 'utf8')).trim();
    let refused = 0;
    for (const m of ready.members) {
      const { host, port } = parseAddress(m.address);
      const anon = new Redis({ host, port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      anon.on('error', () => {});
      await anon.connect();
      await expect(anon.ping()).rejects.toThrow(/NOAUTH/);
      await expect(anon.call('AUTH', await h.password())).rejects.toThrow(/WRONGPASS/);
      anon.disconnect();
      refused++;
    }
    expect(refused).toBe(6);
    const app = appClient(ready);
    for (let i = 0; i < 1000; i++) await app.set(`k:${i}`, String(i));
    app.disconnect();
  });

  it('rck env without --user is one line naming the users; --user rck-admin exports the keeper file', async () => {
    const bad = await h.rck(['env', '--name', h.name]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('rck:'))).toEqual([expect.stringMatching(/default user off.*users: app, rck-admin/)]);
    const out = (await h.ok(['env', '--name', h.name, '--user', 'rck-admin'])).stdout;
    expect(out).toContain(`export REDISCLI_AUTH="$(cat '${join(h.stateDir, 'keeper', 'rck-admin')}')"`);
  });

  it('rck bench consistency --user app runs as that user (password from the state dir): writes acknowledged, 0 errors, 0 lost; an unknown user is one line', async () => {
    const r = JSON.parse((await h.ok(['bench', 'consistency', '--name', h.name, '--user', 'app', '--duration', '2s', '--json'])).stdout) as {
      writes: number;
      readErrors: number;
      writeErrors: number;
      lostWrites: number;
    };
    expect(r.writes).toBeGreaterThan(0);
    expect([r.readErrors, r.writeErrors, r.lostWrites]).toEqual([0, 0, 0]);
    const bad = await h.rck(['bench', 'consistency', '--name', h.name, '--user', 'nobody', '--duration', '1s']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('rck:'))).toEqual([
      expect.stringMatching(/^rck: --user nobody: no such user in spec\.auth\.users of cluster nodef \(users: app\)/),
    ]);
  });

  it('a killed master fails over and comes back as a replica in sync through rck-replication; 1000 of 1000 keys read back', async () => {
    const victim = ready.members.find((m) => m.role === 'master')!;
    await h.ok(['kill', victim.name, '--name', h.name]);
    const back = await h.waitFor(`${victim.name} back as a replica in sync, Ready`, (s) => {
      const m = h.member(s, victim.name);
      return m.restarts >= 1 && m.role === 'replica' && m.linkUp === true && h.ready(s);
    });
    const app = appClient(back);
    let read = 0;
    for (let i = 0; i < 1000; i++) if ((await app.get(`k:${i}`)) === String(i)) read++;
    app.disconnect();
    expect(read).toBe(1000);
  });

  it("no password (rck's 2, the default user's, app's) is in SLOWLOG, a command line, rck's output or any log of the state dir", async () => {
    const secrets = await Promise.all(['keeper/rck-admin', 'keeper/rck-replication', 'secret', 'users/app'].map(async (f) => (await readFile(join(h.stateDir, f), 'utf8')).trim()));
    const s = await h.status();
    const admin = await keeperProfile(h);
    const seen: string[] = [];
    for (const m of s.members.filter((x) => x.up)) {
      const c = await connectNode(parseAddress(m.address), { profile: admin, timeoutMs: 2000 });
      seen.push(JSON.stringify(await c.call('SLOWLOG', 'GET', '10000')));
      c.disconnect();
      seen.push(await readFile(`/proc/${m.pid}/cmdline`, 'utf8'));
    }
    const { pid } = JSON.parse(await readFile(join(h.stateDir, 'supervisor.json'), 'utf8')) as { pid: number };
    seen.push(await readFile(`/proc/${pid}/cmdline`, 'utf8'));
    for (const args of [
      ['status', '--name', h.name],
      ['env', '--name', h.name, '--user', 'app'],
      ['events', '--name', h.name],
    ]) {
      const r = await h.ok(args);
      seen.push(r.stdout, r.stderr);
    }
    const logs = [join(h.stateDir, 'events.jsonl'), join(h.stateDir, 'supervisor.log'), ...s.members.map((m) => join(h.stateDir, 'members', m.name, 'redis.log'))];
    for (const f of logs) seen.push(await readFile(f, 'utf8'));
    expect(seen.length).toBe(2 * s.members.filter((x) => x.up).length + 1 + 6 + logs.length);
    const leaks = secrets.flatMap((pw, i) => seen.flatMap((text, j) => (text.includes(pw) ? [`secret ${i} in item ${j}`] : [])));
    expect(leaks).toEqual([]);
  });

  it('turning the default user on while members run is refused in one line and changes nothing', async () => {
    const { pid } = JSON.parse(await readFile(join(h.stateDir, 'supervisor.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    const spec = await readFile(h.specFile, 'utf8');
    const onFile = join(h.home, 'default-on.yaml');
    await writeFile(onFile, spec.replace('defaultUser: "off"', 'defaultUser: "on"'));
    const r = await h.rck(['up', '-f', onFile, '--detach']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('rck:'))).toEqual([
      expect.stringMatching(/^rck: spec\.auth\.defaultUser: cannot turn the default user on while members of nodef run/),
    ]);
    const applied = JSON.parse(await readFile(join(h.stateDir, 'spec.json'), 'utf8')) as { spec: { auth: { defaultUser: string } } };
    expect(applied.spec.auth.defaultUser).toBe('off');
    await h.ok(['up', '-f', h.specFile, '--detach']);
    await h.waitFor('Ready again', (s) => h.ready(s));
  });
});

/**
 * spec.tls.enabled on the local platform, on real redis-server processes (issue 15): `rck up`
 * makes the certificates and becomes Ready over TLS; a plaintext client and a client whose
 * certificate another CA signed are refused; `rck status`, `rck check`, `rck reshard` (MIGRATE
 * between nodes over TLS), `rck fix`, scaling to 4 masters and back, a master kill with its
 * failover, and a full restart all work over TLS; TLS cannot be turned off under an existing cluster.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:tls';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsFiles } from '../../src/platform/local/tls-files.js';
import { parseAddress } from '../../src/redis/address.js';
import { connectNode } from '../../src/redis/connection.js';
import { type ConnectionProfile, clientOptions, passwordProfile, withTls } from '../../src/redis/profile.js';
import { type ConsistencyReport, startConsistencyWorkload } from '../../src/workload/consistency.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

/** The serial number of the certificate a member presents to a new connection now. */
function servedSerial(address: string, p: ConnectionProfile): Promise<string> {
  const { host, port } = parseAddress(address);
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, ca: p.tls!.ca, cert: p.tls!.cert, key: p.tls!.key }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.once('error', reject);
  });
}

describe('local cluster with spec.tls.enabled', () => {
  let h: LocalClusterHarness;
  let other: string | undefined;
  let profile: ConnectionProfile;
  let ready: StatusJson;
  let env: Record<string, string>;
  const tlsDir = () => join(h.stateDir, 'tls');

  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'tlsc', extraSpec: '  tls: {enabled: true}' });
  });
  afterAll(async () => {
    await h?.cleanup();
    if (other) await rm(other, { recursive: true, force: true });
  });

  const tlsClient = (s: StatusJson): Cluster => {
    const nodes = s.members.filter((m) => m.up).map((m) => parseAddress(m.address));
    const c = new Cluster(nodes, { redisOptions: clientOptions(profile), slotsRefreshInterval: 1000 });
    c.on('error', () => {});
    return c;
  };

  /** The 2000 keys the reshard test wrote, each with its value, read through a TLS cluster client. */
  const expectKeysReadBack = async (s: StatusJson): Promise<void> => {
    const c = tlsClient(s);
    try {
      const keys = Array.from({ length: 2000 }, (_, i) => `tls:key:${i}`);
      const values = await Promise.all(keys.map((k) => c.get(k)));
      expect(values.filter((v, i) => v !== `v-${keys[i]}`)).toEqual([]);
    } finally {
      c.disconnect();
    }
  };

  it('rck up makes the CA, the client and 6 member certificates (8 keys, each 0600) and becomes Ready over TLS', async () => {
    ready = await h.upReady();
    expect(ready.members).toHaveLength(6);
    expect(ready.health.healthy).toBe(true);
    const keys = ['ca', 'client', ...ready.members.map((m) => m.name)].map((n) => join(tlsDir(), `${n}.key`));
    expect(keys).toHaveLength(8);
    for (const k of keys) expect((statSync(k).mode & 0o777).toString(8), k).toBe('600');
    for (const m of ready.members) expect(statSync(join(tlsDir(), `${m.name}.crt`)).isFile()).toBe(true);
    // Every member serves TLS only on its port: no plaintext listener.
    const conf = readFileSync(join(h.stateDir, 'members', 'tlsc-0', 'member.conf'), 'utf8').split('\n');
    expect(conf).toContain('port 0');
    expect(conf).toContain(`tls-port ${h.member(ready, 'tlsc-0').address.split(':')[1]}`);
    const tls = await new TlsFiles(tlsDir()).clientTls();
    profile = withTls(passwordProfile(await h.password()), tls);
    env = { RCK_PASSWORD: await h.password(), RCK_CACERT: tls.files!.ca, RCK_CERT: tls.files!.cert!, RCK_KEY: tls.files!.key! };
  });

  it('refuses a plaintext client and a client certificate from another CA (2 refusals), and accepts the cluster client certificate', async () => {
    const addr = parseAddress(h.member(ready, 'tlsc-0').address);
    await expect(connectNode(addr, { profile: passwordProfile(await h.password()), timeoutMs: 1000 })).rejects.toThrow(/ECONNRESET|closed|TLS/);
    other = await mkdtemp(join(tmpdir(), 'rck-other-ca-'));
    const foreign = new TlsFiles(join(other, 'tls'));
    await foreign.ensureCa('someone-else');
    const f = await foreign.clientTls();
    // The members' CA verifies the server, so only the client's certificate is at fault.
    const foreignClient = withTls(passwordProfile(await h.password()), { ...f, ca: profile.tls!.ca });
    await expect(connectNode(addr, { profile: foreignClient, timeoutMs: 1000 })).rejects.toThrow(/TLS|ECONNRESET|certificate/);
    const c = await connectNode(addr, { profile, timeoutMs: 1000 });
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
  });

  it('rck status and rck check pass over TLS, with the paths rck env exports', async () => {
    const s = await h.ok(['status', '--name', 'tlsc']);
    expect(s.stdout).toMatch(/health: ok/);
    const exported = (await h.ok(['env', '--name', 'tlsc'])).stdout;
    expect(exported).toContain(`export RCK_CACERT='${env.RCK_CACERT}'`);
    expect(exported).toContain(`export RCK_KEY='${env.RCK_KEY}'`);
    expect(exported).not.toContain(await h.password());
    expect(exported).not.toContain(readFileSync(env.RCK_KEY!, 'utf8').split('\n')[1]);
    const check = await h.rck(['check', h.member(ready, 'tlsc-0').address], env);
    expect(check.stdout + check.stderr).toMatch(/OK: healthy/);
    expect(check.code).toBe(0);
  });

  it('rck reshard moves 1000 slots and their keys between masters over TLS; all 2000 keys read back', async () => {
    const c = tlsClient(ready);
    const keys = Array.from({ length: 2000 }, (_, i) => `tls:key:${i}`);
    try {
      await Promise.all(keys.map((k) => c.set(k, `v-${k}`)));
      const from = h.member(ready, 'tlsc-0').address;
      const to = h.member(ready, 'tlsc-1').address;
      const r = await h.rck(['reshard', from, '--from', from, '--to', to, '--slots', '1000', '--yes'], env);
      expect(r.stdout + r.stderr).toMatch(/moved 1000 slot\(s\) and [1-9]\d* key\(s\)/);
      expect(r.code).toBe(0);
      const after = await h.waitFor('slots moved', (s) => h.member(s, 'tlsc-1').slots === h.member(ready, 'tlsc-1').slots + 1000);
      expect(h.member(after, 'tlsc-0').slots).toBe(h.member(ready, 'tlsc-0').slots - 1000);
      const values = await Promise.all(keys.map((k) => c.get(k)));
      expect(values.filter((v, i) => v !== `v-${keys[i]}`)).toEqual([]);
      const check = await h.rck(['check', to], env);
      expect(check.code).toBe(0);
    } finally {
      c.disconnect();
    }
  });

  it('a killed master fails over to its replica over TLS, comes back as a replica, and the 2000 keys read back', async () => {
    await h.ok(['kill', 'tlsc-0', '--name', 'tlsc']);
    const back = await h.waitFor('tlsc-3 master, tlsc-0 back as its replica, Ready', (s) => {
      const m = h.member(s, 'tlsc-0');
      return h.member(s, 'tlsc-3').role === 'master' && m.up && m.role === 'replica' && m.linkUp === true && h.ready(s);
    });
    expect(h.member(back, 'tlsc-0').master).toBe('tlsc-3');
    const events = await h.events();
    expect(events.some((e) => e.reason === 'CrashFailover' && e.member === 'tlsc-3')).toBe(true);
    await expectKeysReadBack(back);
    // No secret on any member's command line (ps).
    const pw = await h.password();
    for (const pid of h.pids()) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      expect(cmd).not.toContain(pw);
    }
  });

  it('rck tls renew --force under the consistency workload: all 6 members serve a new certificate, none restarted, 0 errors, 0 lost writes', async () => {
    const before = await h.waitFor('Ready', (s) => h.ready(s));
    const served = (s: StatusJson) => Promise.all(s.members.map((m) => servedSerial(m.address, profile)));
    const serialsBefore = await served(before);
    const workload = startConsistencyWorkload({ nodes: before.members.map((m) => parseAddress(m.address)), profile, keys: 200, workers: 4 });
    let report: ConsistencyReport | undefined;
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = await h.rck(['tls', 'renew', '--force', '--name', 'tlsc']);
      expect(r.stdout.trim().split('\n')).toEqual(before.members.map((m) => `${m.name}: renewed and loaded (CONFIG SET)`));
      expect(r.code).toBe(0);
      await new Promise((r) => setTimeout(r, 300));
      report = await workload.stop();
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }
    expect(report.writes).toBeGreaterThan(0);
    expect(report.readErrors + report.writeErrors).toBe(0);
    expect(report.lostWrites).toBe(0);
    expect(report.unreadableKeys).toBe(0);
    const serialsAfter = await served(before);
    for (const [i, m] of before.members.entries()) {
      expect(serialsAfter[i], m.name).not.toBe(serialsBefore[i]);
      expect(serialsAfter[i], m.name).toBe(new X509Certificate(readFileSync(join(tlsDir(), `${m.name}.crt`))).serialNumber);
    }
    const after = await h.status();
    expect(after.members.map((m) => [m.name, m.pid, m.restarts])).toEqual(before.members.map((m) => [m.name, m.pid, m.restarts]));
  });

  it('rck fix closes a slot left migrating/importing over TLS; rck check is then clean', async () => {
    const s = await h.waitFor('Ready', (x) => h.ready(x));
    const masters = s.members.filter((m) => m.role === 'master' && m.slots > 0);
    const node = (address: string) => new Redis({ ...clientOptions(profile), ...parseAddress(address), lazyConnect: true });
    const [a, b] = [node(masters[0]!.address), node(masters[1]!.address)];
    try {
      await a.connect();
      await b.connect();
      const idOf = async (r: Redis) => String(await r.call('CLUSTER', 'MYID'));
      const slots = (await a.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      const aId = await idOf(a);
      const slot = slots.find(([, , master]) => master[2] === aId)![0];
      await a.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', await idOf(b));
      await b.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', aId);
    } finally {
      a.disconnect();
      b.disconnect();
    }
    const fix = await h.rck(['fix', '--yes', masters[0]!.address], env);
    expect(fix.stderr).not.toMatch(/^rck:/m);
    expect(fix.code).toBe(0);
    const check = await h.rck(['check', masters[0]!.address], env);
    expect(check.stdout).toMatch(/OK: healthy/);
    expect(check.code).toBe(0);
  });

  it('rck scale to 4 masters and back to 3 over TLS: 8 then 6 members, and the 2000 keys read back', async () => {
    await h.ok(['scale', '--masters', '4', '-f', h.specFile]);
    const four = await h.waitFor('Ready with 4 masters', (x) => h.ready(x) && x.members.filter((m) => m.role === 'master' && m.slots > 0).length === 4);
    expect(four.members).toHaveLength(8);
    await h.ok(['scale', '--masters', '3', '-f', h.specFile]);
    const three = await h.waitFor('Ready with 3 masters', (x) => h.ready(x) && x.members.length === 6);
    await expectKeysReadBack(three);
  });

  it('a full restart over TLS (rck down, rck up): 6 new processes, Ready, the 2000 keys read back', async () => {
    const before = await h.waitFor('Ready', (x) => h.ready(x));
    await h.ok(['down', '--name', 'tlsc']);
    await h.ok(['up', '--name', 'tlsc', '--detach']);
    const after = await h.waitFor('Ready', (x) => h.ready(x));
    expect(after.members.filter((m) => before.members.some((b) => b.pid === m.pid))).toEqual([]);
    await expectKeysReadBack(after);
  });

  it('rck up after a supervisor SIGKILL adopts all 6 members over TLS: same pids, 6 Adopted events', async () => {
    const before = await h.waitFor('Ready', (s) => h.ready(s));
    const killedAt = new Date().toISOString();
    process.kill(before.supervisor!.pid, 'SIGKILL');
    await h.waitFor('the supervisor to be gone', (s) => s.supervisor === null);
    await h.ok(['up', '--name', 'tlsc', '--detach']);
    const after = await h.waitFor('Ready', (s) => h.ready(s));
    expect(after.members.map((m) => [m.name, m.pid])).toEqual(before.members.map((m) => [m.name, m.pid]));
    const adopted = (await h.events()).filter((e) => e.reason === 'Adopted' && e.time >= killedAt.slice(0, 19));
    expect(adopted.map((e) => e.member).sort()).toEqual(before.members.map((m) => m.name).sort());
  });

  it('after rck down, rck up with TLS turned off is refused with one line and changes nothing', async () => {
    await h.ok(['down', '--name', 'tlsc']);
    const specBefore = await readFile(join(h.stateDir, 'spec.json'), 'utf8');
    const off = join(h.home, 'off.yaml');
    // Parsed, not edited as text: rck scale rewrote the file.
    const spec = parse(await readFile(h.specFile, 'utf8')) as { spec: { tls: { enabled: boolean } } };
    expect(spec.spec.tls.enabled).toBe(true);
    spec.spec.tls.enabled = false;
    await writeFile(off, stringify(spec));
    const r = await h.rck(['up', '-f', off, '--detach']);
    expect(r.code).not.toBe(0);
    expect(
      r.stderr
        .trimEnd()
        .split('\n')
        .filter((l) => !l.startsWith('hint:')),
    ).toEqual([expect.stringMatching(/^rck: spec\.tls\.enabled: cannot turn TLS off/)]);
    expect(await readFile(join(h.stateDir, 'spec.json'), 'utf8')).toBe(specBefore);
    expect(h.pids().filter((p) => statSync(`/proc/${p}`, { throwIfNoEntry: false }))).toEqual([]);
  });
});

/**
 * spec.auth.users on the local platform, on real redis-server processes (issue 15): a user
 * is created on every member with a generated 0600 password, also on a member re-created
 * later; a read-only user reads and gets NOPERM on writes; `rck env --user` exports its
 * credentials without printing them; no password reaches SLOWLOG or a command line.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/redis/address.js';
import { connectNode } from '../../src/redis/connection.js';
import { passwordProfile } from '../../src/redis/profile.js';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';

describe('local cluster with spec.auth.users', () => {
  let h: LocalClusterHarness;
  let ready: StatusJson;
  let readerPw: string;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({
      name: 'aclc',
      redisConfig: { 'slowlog-log-slower-than': 0 },
      extraSpec: '  auth: {users: [{name: reader, rules: "~* +@read +ping +cluster|slots"}]}',
    });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const reader = () => ({ ...passwordProfile(readerPw), username: 'reader' });

  it('creates the user on all 6 members with a generated 0600 password', async () => {
    ready = await h.upReady();
    const file = join(h.stateDir, 'users', 'reader');
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
    readerPw = (await readFile(file, 'utf8')).trim();
    expect(readerPw.length).toBeGreaterThanOrEqual(24);
    let loggedIn = 0;
    for (const m of ready.members) {
      const c = await connectNode(parseAddress(m.address), { profile: reader(), timeoutMs: 1000 });
      expect(await c.ping()).toBe('PONG');
      c.disconnect();
      loggedIn++;
    }
    expect(loggedIn).toBe(6);
  });

  it('the read-only user reads and gets NOPERM on a write', async () => {
    const admin = new Cluster([parseAddress(ready.members[0]!.address)], { redisOptions: { password: await h.password() } });
    // A cluster client also needs CLUSTER SLOTS (+cluster|slots in the user's rules) to find the slots' owners;
    // its ready check runs CLUSTER INFO, which this user may not.
    const ro = new Cluster([parseAddress(ready.members[0]!.address)], {
      redisOptions: { username: 'reader', password: readerPw, enableReadyCheck: false },
      enableReadyCheck: false,
      clusterRetryStrategy: () => null,
    });
    admin.on('error', () => {});
    ro.on('error', () => {});
    try {
      await admin.set('acl:k', 'v');
      expect(await ro.get('acl:k')).toBe('v');
      await expect(ro.set('acl:k', 'w')).rejects.toThrow(/NOPERM/);
      expect(await admin.get('acl:k')).toBe('v');
    } finally {
      admin.disconnect();
      ro.disconnect();
    }
  });

  it('rck env --user exports the user and reads its password from the file, printing neither secret; an unknown user is one line', async () => {
    const out = (await h.ok(['env', '--name', 'aclc', '--user', 'reader'])).stdout;
    expect(out).toContain(`export REDISCLI_AUTH="$(cat '${join(h.stateDir, 'users', 'reader')}')"`);
    expect(out).toContain(`export RCK_USER='reader'`);
    expect(out).not.toContain(readerPw);
    expect(out).not.toContain(await h.password());
    const bad = await h.rck(['env', '--name', 'aclc', '--user', 'nobody']);
    expect(bad.code).not.toBe(0);
    expect(
      bad.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('hint:')),
    ).toEqual([expect.stringMatching(/^rck: --user nobody: no such user/)]);
  });

  it('a member re-created after rck kill has the user too, and no password is in SLOWLOG or a command line of the 6 members', async () => {
    await h.ok(['kill', 'aclc-4', '--name', 'aclc']);
    const back = await h.waitFor('aclc-4 re-created, Ready', (s) => h.member(s, 'aclc-4').restarts >= 1 && h.ready(s));
    const c = await connectNode(parseAddress(h.member(back, 'aclc-4').address), { profile: reader(), timeoutMs: 1000 });
    expect(await c.ping()).toBe('PONG');
    c.disconnect();
    const adminPw = await h.password();
    let checked = 0;
    for (const m of back.members) {
      const a = await connectNode(parseAddress(m.address), { profile: passwordProfile(adminPw), timeoutMs: 1000 });
      const slow = JSON.stringify(await a.call('SLOWLOG', 'GET', '1000'));
      a.disconnect();
      expect(slow).not.toContain(readerPw);
      expect(slow).not.toContain(adminPw);
      const cmd = await readFile(`/proc/${m.pid}/cmdline`, 'utf8');
      expect(cmd).not.toContain(readerPw);
      checked++;
    }
    expect(checked).toBe(6);
  });
});

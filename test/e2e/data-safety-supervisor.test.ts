/**
 * Issue 12, path 1: the supervisor's own crash never restarts a member. It is
 * SIGKILLed and `rck up` is run again: every member keeps its process (same pids),
 * nothing fails over, and with persistence off not one of the keys is lost (the old
 * supervisor stopped and restarted every member: 20,000 of 20,000 keys lost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lostKeys, loadKeys } from '../support/key-set.js';
import { LocalClusterHarness, pidAlive } from '../support/local-cluster.js';

const KEYS = 20_000;

describe('supervisor SIGKILL, persistence off', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'sup-kill', extraSpec: '  persistence: {enabled: false}' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('rck up after a supervisor SIGKILL adopts all 6 members: same pids, same roles, 0 of 20,000 keys lost', async () => {
    const before = await h.upReady();
    await loadKeys({ host: '127.0.0.1', port: Number(before.members[0]!.address.split(':')[1]) }, KEYS, { password: await h.password() });
    const members = before.members.map((m) => ({ name: m.name, pid: m.pid!, role: m.role, nodeId: m.nodeId }));
    expect(members.length).toBe(6);

    const killedAt = new Date().toISOString();
    process.kill(before.supervisor!.pid, 'SIGKILL');
    await h.waitFor('the supervisor to be gone', (s) => s.supervisor === null);
    for (const m of members) expect(pidAlive(m.pid)).toBe(true); // members outlive it, as pods outlive a kubelet restart

    const up = await h.ok(['up', '--name', h.name, '--detach']);
    expect(up.stdout).toContain('not re-created');
    const after = await h.waitFor('Ready', (s) => h.ready(s));
    expect(after.members.map((m) => ({ name: m.name, pid: m.pid!, role: m.role, nodeId: m.nodeId }))).toEqual(members);
    const events = await h.events();
    expect(
      events
        .filter((e) => e.reason === 'Adopted')
        .map((e) => e.member)
        .sort(),
    ).toEqual(members.map((m) => m.name).sort());
    expect(events.filter((e) => ['Started', 'Killed', 'Stopped', 'Exited'].includes(e.reason) && e.time > killedAt)).toEqual([]);

    const client = await h.client(after);
    try {
      expect(await lostKeys(client, KEYS)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});

/**
 * The state directory of a running cluster is deleted (`rm -rf` of the state home): the
 * supervisor and its members keep running with their control socket, pid record and spec
 * gone. rck still finds them (the supervisor works in that directory, and /proc keeps its
 * name), says so instead of "no such cluster" or "port in use", and stops them only when told
 * to, since what the members hold is now in memory only.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LocalClusterHarness, pidAlive } from '../support/local-cluster.js';

describe('a state directory deleted under a running cluster', () => {
  let h: LocalClusterHarness;
  beforeAll(async () => {
    h = await LocalClusterHarness.create({ name: 'orphaned' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('status and up name it and change nothing, down refuses without --yes, down --yes stops the supervisor and all 6 members and nothing else', async () => {
    const s = await h.upReady();
    const pids = [s.supervisor!.pid, ...s.members.map((m) => m.pid!)];
    expect(pids.length).toBe(7);
    const dir = await realpath(h.stateDir);
    // Someone's shell in the cluster's directory: not a member, so down must leave it alone.
    const bystander = spawn('sleep', ['600'], { cwd: join(h.stateDir, 'members'), stdio: 'ignore' });
    onTestFinished(() => void bystander.kill('SIGKILL'));
    await rm(h.stateDir, { recursive: true, force: true });
    const orphaned = `the state directory of cluster orphaned (${dir}) was deleted while its supervisor (pid ${s.supervisor!.pid}) ran`;

    const status = await h.rck(['status', '--name', h.name]);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(orphaned);
    expect(status.stderr).toContain('hint: `rck down --name orphaned --yes` stops them');

    const up = await h.rck(['up', '-f', h.specFile, '--detach']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(orphaned);
    expect(existsSync(h.stateDir)).toBe(false);

    const refused = await h.rck(['down', '--name', h.name]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(orphaned);
    expect(pids.filter(pidAlive)).toEqual(pids);

    const down = await h.rck(['down', '--name', h.name, '--yes']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('cluster orphaned stopped; its state directory had been deleted, so nothing was kept');
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(pidAlive(bystander.pid!)).toBe(true);
    expect((await h.rck(['down', '--name', h.name])).stderr).toContain('no local cluster "orphaned"');
  });
});

/**
 * adoptedExit on a real redis-server: the exit of a process the supervisor did not start is
 * seen through the connection the kernel closes, and a connection the member closes while
 * alive is made again rather than read as an exit.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptedExit } from '../../src/platform/local/adopted-exit.js';
import { type TestNode, startNode, stopNode } from '../support/redis-nodes.js';

let node: TestNode | undefined;
let other: TestNode | undefined;
afterEach(async () => {
  for (const n of [node, other]) if (n) await stopNode(n);
  node = other = undefined;
});

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** The ids of the member's client connections that never sent a command (the watch). */
async function watchConnections(r: Redis): Promise<string[]> {
  const list = (await r.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter((l) => / cmd=NULL /.test(l))
    .map((l) => /\bid=(\d+)/.exec(l)![1]!);
}

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('adoptedExit', () => {
  it('resolves when the process is SIGKILLed, and not when the member closes its connection', async () => {
    node = await startNode({ clusterEnabled: false });
    const pid = node.proc.pid!;
    let exited = false;
    const exit = adoptedExit(pid, node.host, node.port).then((e) => {
      exited = true;
      return e;
    });
    const r = new Redis({ host: node.host, port: node.port, lazyConnect: true });
    try {
      await r.connect();
      const first = await until('the watch connection', async () => (await watchConnections(r))[0]);
      // The member closes it (CLIENT KILL) while alive: a new one replaces it, and no exit is reported.
      expect(await r.call('CLIENT', 'KILL', 'ID', first)).toBe(1);
      const second = await until('a new watch connection', async () => (await watchConnections(r)).find((id) => id !== first));
      expect(second).not.toBe(first);
      expect(exited).toBe(false);
    } finally {
      r.disconnect();
    }
    node.proc.kill('SIGKILL');
    expect(await exit).toEqual({ code: null, signal: null });
  });

  it('adopted members share one backstop timer, which stops once every one has exited', async () => {
    [node, other] = await Promise.all([startNode({ clusterEnabled: false }), startNode({ clusterEnabled: false })]);
    // Counted in the same tick as the calls, so no other timer comes or goes in between.
    const before = timers();
    const exits = [node, other].map((n) => adoptedExit(n.proc.pid!, n.host, n.port));
    expect(timers() - before).toBe(1);
    for (const n of [node, other]) n.proc.kill('SIGKILL');
    expect(await Promise.all(exits)).toEqual([
      { code: null, signal: null },
      { code: null, signal: null },
    ]);
    // Stopped: the next adopted member starts a timer again.
    await stopNode(node);
    node = await startNode({ clusterEnabled: false });
    const later = timers();
    const exit = adoptedExit(node.proc.pid!, node.host, node.port);
    expect(timers() - later).toBe(1);
    node.proc.kill('SIGKILL');
    await exit;
  });
});

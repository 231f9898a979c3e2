/**
 * When does an adopted member exit? It is not this supervisor's child, so no exit event
 * comes. Polling its pid every 20 ms cost an idle supervisor several times its whole budget
 * (6 members: 300 kill(0) and /proc reads a second). Instead a plain TCP connection to
 * the member's port is held open: the kernel closes it when the process dies, and only
 * then is the pid polled fast. A slow poll stays as the backstop (a connection that
 * cannot be made, or one the member closes while alive is made again).
 */
import { type Socket, connect } from 'node:net';
import { pidAlive } from './process-alive.js';

/** The backstop: how often the pid is checked while the watch connection is open. */
const SLOW_POLL_MS = 5000;
/** After the connection closed: how often, and how long, before it is made again. */
const FAST_POLL_MS = 20;
const FAST_POLL_FOR_MS = 2000;

/** Every adopted member's backstop check, run by one timer: one wakeup every 5 s, not one per member. */
const backstops = new Set<() => void>();
let backstopTimer: NodeJS.Timeout | undefined;

function addBackstop(check: () => void): () => void {
  backstops.add(check);
  backstopTimer ??= setInterval(() => {
    for (const c of [...backstops]) c();
  }, SLOW_POLL_MS);
  return () => {
    backstops.delete(check);
    if (backstops.size > 0) return;
    clearInterval(backstopTimer);
    backstopTimer = undefined;
  };
}

/** Resolves when process `pid` (serving on host:port) is gone; its exit status is unknown (null, null). */
export function adoptedExit(pid: number, host: string, port: number): Promise<{ code: null; signal: null }> {
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let fast: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      done = true;
      removeBackstop();
      clearInterval(fast);
      socket?.destroy();
      resolve({ code: null, signal: null });
    };
    const check = () => {
      if (!done && !pidAlive(pid)) finish();
    };
    const watch = () => {
      if (done) return;
      socket = connect({ host, port });
      socket.on('error', () => {}); // 'close' follows
      socket.on('data', () => {}); // a TLS port may answer something; nothing is read
      socket.once('close', () => {
        if (done) return;
        // Dying (the usual reason), or it closed the connection while alive: poll fast, then watch again.
        const until = Date.now() + FAST_POLL_FOR_MS;
        clearInterval(fast);
        fast = setInterval(() => {
          check();
          if (done || Date.now() < until) return;
          clearInterval(fast);
          watch();
        }, FAST_POLL_MS);
      });
    };
    const removeBackstop = addBackstop(check);
    check();
    watch();
  });
}

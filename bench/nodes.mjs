// Bench helper: fresh cluster-enabled redis-server processes on loopback, in a temp dir.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER } from './engine.mjs';

export function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function freePorts(count) {
  const out = [];
  while (out.length < count) {
    const p = 20000 + Math.floor(Math.random() * 2700); // bus ports below the ephemeral range
    if (!out.includes(p) && (await portFree(p)) && (await portFree(p + 10000))) out.push(p);
  }
  return out;
}

/** A base port with `count` free client ports and their bus ports (for a local spec's port range). */
export async function freeBase(count) {
  for (;;) {
    const base = 2000 + Math.floor(Math.random() * 7900);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await portFree(p)) && (await portFree(p + 10000));
    if (ok) return base;
  }
}

/**
 * `count` fresh cluster-enabled nodes. By default with the seed's settings (node timeout
 * 5000, no persistence); `{ redisDefaults: true }` gives each node its own directory and
 * only the flags a cluster node needs, so every other setting is Redis's default.
 */
export async function startNodes(count, extraArgs = [], { redisDefaults = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rck-bench-'));
  const ports = await freePorts(count);
  const procs = ports.map((port) => {
    const nodeDir = redisDefaults ? join(dir, String(port)) : dir;
    if (redisDefaults) mkdirSync(nodeDir);
    const tuned = redisDefaults ? [] : ['--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no'];
    return spawn(
      SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        nodeDir,
        '--daemonize',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        ...tuned,
        '--logfile',
        join(dir, `${port}.log`),
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    );
  });
  for (const port of ports) {
    for (let i = 0; ; i++) {
      try {
        if (
          execFileSync('redis-cli', ['-p', String(port), 'ping'])
            .toString()
            .trim() === 'PONG'
        )
          break;
      } catch {
        if (i > 500) throw new Error(`redis-server on ${port} did not start`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return {
    addresses: ports.map((p) => `127.0.0.1:${p}`),
    ports,
    async stop() {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise((r) => {
              if (p.exitCode !== null || p.signalCode !== null) r();
              else {
                p.once('exit', r);
                p.kill('SIGKILL');
              }
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

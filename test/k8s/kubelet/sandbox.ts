/**
 * Runs a container's process as a "sandbox" on this machine: its own mount and UTS
 * namespaces (unshare, we run as root), with each volume bind-mounted at its mountPath
 * and the hostname set to the pod name. Processes then see exactly the paths the manifest
 * names (/data, /etc/redis/...) with no rewriting of arguments or config files; missing
 * mount points are created as empty directories or files on the host, since the host's
 * filesystem is the containers' root. The network is the host's: pods differ by their
 * loopback address. Exec probes and hooks enter the same namespaces with nsenter.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import type { Mount } from './volumes.js';

// $1 hostname, $2 working dir, then (source target ro|rw)... --, then argv.
const SANDBOX_SCRIPT = `set -e
hostname "$1"; wd=$2; shift 2
while [ "$1" != "--" ]; do
  if [ -d "$1" ]; then mkdir -p "$2"; else mkdir -p "$(dirname "$2")"; [ -e "$2" ] || : > "$2"; fi
  mount --bind "$1" "$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi
  shift 3
done
shift
cd "$wd" 2>/dev/null || cd /
exec "$@"`;

/** Who the container's processes run as (securityContext); undefined means root. */
export interface Identity {
  uid: number;
  gid: number;
  groups: number[];
}

/** setpriv prefix that drops to the identity after the mounts are in place. */
export function identityArgv(id: Identity | undefined): string[] {
  if (!id) return [];
  const groups = id.groups.length ? [`--groups=${id.groups.join(',')}`] : ['--clear-groups'];
  return ['setpriv', `--reuid=${id.uid}`, `--regid=${id.gid}`, ...groups, '--'];
}

export interface SandboxSpec {
  identity?: Identity;
  argv: string[];
  env: ReadonlyMap<string, string>;
  mounts: Mount[];
  hostname: string;
  workingDir: string;
  logFile: string;
}

export interface SandboxProcess {
  pid: number;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export async function startSandbox(spec: SandboxSpec): Promise<SandboxProcess> {
  // A subPath that does not exist yet is created as a directory, as the kubelet does.
  for (const m of spec.mounts) if (!existsSync(m.source)) await mkdir(m.source, { recursive: true });
  // Parents before children, so /data/sub mounts on top of /data.
  const mounts = [...spec.mounts].sort((a, b) => a.target.length - b.target.length);
  const log = await open(spec.logFile, 'a');
  const proc = spawn('setpriv', [
    '--pdeathsig', 'KILL', '--',
    'unshare', '--mount', '--uts', '--propagation', 'private', '--',
    '/bin/sh', '-c', SANDBOX_SCRIPT, 'rck-sandbox', spec.hostname, spec.workingDir,
    ...mounts.flatMap((m) => [m.source, m.target, m.readOnly ? 'ro' : 'rw']), '--', ...identityArgv(spec.identity), ...spec.argv,
  ], { env: Object.fromEntries(spec.env), stdio: ['ignore', log.fd, log.fd], detached: true });
  // Listen before any await: a process that exits at once must not be missed.
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', () => resolve({ code: 127, signal: null }));
  });
  await log.close();
  if (proc.pid === undefined) {
    await exited;
    throw new Error(`cannot start ${spec.argv[0]}`);
  }
  return { pid: proc.pid, proc, exited };
}

/** Signals the sandbox's whole process group (the container's children too). */
export function signalSandbox(p: SandboxProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Runs argv inside a running sandbox; resolves with exit code (-1 on timeout) and output. */
export function execInSandbox(
  pid: number, argv: string[], env: ReadonlyMap<string, string>, timeoutMs: number, identity?: Identity,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const nsenter = ['nsenter', '-t', String(pid), '-m', '-u', '--', ...identityArgv(identity), ...argv];
    const proc = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...nsenter], {
      env: Object.fromEntries(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let output = '';
    const collect = (d: Buffer) => { if (output.length < 4096) output += d.toString(); };
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);
    const timer = setTimeout(() => {
      try { process.kill(-proc.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    proc.once('error', () => { clearTimeout(timer); resolve({ code: 127, output }); });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? -1 : (code ?? -1), output });
    });
  });
}

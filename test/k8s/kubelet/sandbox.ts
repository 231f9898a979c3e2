/**
 * Runs a container's process as a "sandbox" on this machine: its own mount and UTS
 * namespaces (unshare, we run as root), with each volume bind-mounted at its mountPath
 * and the hostname set to the pod name. Processes then see exactly the paths the manifest
 * names (/data, /etc/redis/...) with no rewriting of arguments or config files; missing
 * mount points are created as empty directories or files on the host, since the host's
 * filesystem is the containers' root. The network is the host's: pods differ by their
 * loopback address. Exec probes and hooks enter the same namespaces with nsenter.
 *
 * A container of an unpacked image (SandboxSpec.image) gets the image as its root instead:
 * an overlay mount (the image read-only below, a fresh writable layer per run above, made
 * read-only for readOnlyRootFilesystem), /proc and /dev, the volumes mounted inside it, and
 * the process chrooted into it as its user (nsenter --root --wd -S -G). Isolated: the file
 * system, the user, the hostname. Not isolated: network, PIDs (/proc shows the host's),
 * IPC, cgroups and capabilities beyond what the non-root user lacks anyway.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mount } from './volumes.js';

// $1 hostname, $2 working dir, $3 image rootfs ('' for none), $4 scratch dir of this run,
// $5 ro|rw (the image root), then (source target ro|rw)... --, then argv.
// The container's PATH (from an image, say) may lack this machine's tools: use ours until the exec.
const SANDBOX_SCRIPT = `set -e
cpath=$PATH; PATH=/usr/sbin:/usr/bin:/sbin:/bin
hostname "$1"; wd=$2; lower=$3; scratch=$4; rootmode=$5; shift 5
root=""
if [ -n "$lower" ]; then
  root=$scratch/merged
  mkdir -p "$scratch/upper" "$scratch/work" "$root"
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
  mkdir -p "$root/proc" "$root/dev"
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
fi
while [ "$1" != "--" ]; do
  t="$root$2"
  if [ -d "$1" ]; then mkdir -p "$t"; else mkdir -p "$(dirname "$t")"; [ -e "$t" ] || : > "$t"; fi
  mount --bind "$1" "$t"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$t"; fi
  shift 3
done
shift
# readOnlyRootFilesystem: the image's root only; volumes mounted on it keep their own mode.
if [ "$rootmode" = ro ]; then mount -o remount,ro "$root"; fi
cd "$root$wd" 2>/dev/null || cd "\${root:-/}"
PATH=$cpath
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
  return ['/usr/bin/setpriv', `--reuid=${id.uid}`, `--regid=${id.gid}`, ...groups, '--'];
}

/** The root filesystem of an unpacked image, for one run of a container. */
export interface ImageRoot {
  /** The unpacked image (never written). */
  rootfs: string;
  /** Empty directory for this run's writable layer and mount point. */
  scratch: string;
  readOnly: boolean;
}

export interface SandboxSpec {
  identity?: Identity;
  image?: ImageRoot;
  argv: string[];
  env: ReadonlyMap<string, string>;
  mounts: Mount[];
  hostname: string;
  workingDir: string;
  logFile: string;
}

/**
 * nsenter (of this machine) changes root and working directory, then drops to the identity,
 * so nothing of the image runs as root. It clears supplementary groups, hence no fsGroup here.
 */
function chrootArgv(root: string, workingDir: string, id: Identity | undefined): string[] {
  if (id && id.groups.length > 0) throw new Error('fsGroup and supplementalGroups are not supported for containers of unpacked images');
  const user = id ? ['-S', String(id.uid), '-G', String(id.gid)] : [];
  return ['/usr/bin/nsenter', `--root=${root}`, `--wd=${join(root, workingDir)}`, ...user, '--'];
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
  const img = spec.image;
  const enter = img ? chrootArgv(join(img.scratch, 'merged'), spec.workingDir, spec.identity) : identityArgv(spec.identity);
  const log = await open(spec.logFile, 'a');
  const proc = spawn(
    '/usr/bin/setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      '/usr/bin/unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      SANDBOX_SCRIPT,
      'rck-sandbox',
      spec.hostname,
      spec.workingDir,
      img?.rootfs ?? '',
      img?.scratch ?? '',
      img?.readOnly ? 'ro' : 'rw',
      ...mounts.flatMap((m) => [m.source, m.target, m.readOnly ? 'ro' : 'rw']),
      '--',
      ...enter,
      ...spec.argv,
    ],
    { env: Object.fromEntries(spec.env), stdio: ['ignore', log.fd, log.fd], detached: true },
  );
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
  pid: number,
  argv: string[],
  env: ReadonlyMap<string, string>,
  timeoutMs: number,
  identity?: Identity,
  inImage = false,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // In an image: the container's root and working directory (-r, -w), and its user set by nsenter itself.
    const nsenter = inImage
      ? ['/usr/bin/nsenter', '-t', String(pid), '-m', '-u', '-r', '-w', ...(identity ? ['-S', String(identity.uid), '-G', String(identity.gid)] : []), '--', ...argv]
      : ['/usr/bin/nsenter', '-t', String(pid), '-m', '-u', '--', ...identityArgv(identity), ...argv];
    // The shim's own tools by absolute path: the container's PATH (the image's) need not hold them.
    const proc = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', ...nsenter], {
      env: Object.fromEntries(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const collect = (d: Buffer) => {
      if (output.length < 4096) output += d.toString();
    };
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);
    const timer = setTimeout(() => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    proc.once('error', () => {
      clearTimeout(timer);
      resolve({ code: 127, output });
    });
    proc.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? -1 : (code ?? -1), output });
    });
  });
}

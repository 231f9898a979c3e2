/**
 * The supervisor always runs as its own lean process (supervisor-main.js), so its
 * resident memory stays well under the 80 MB budget whatever the CLI loaded:
 * - `rck up --detach`: in its own session, output to supervisor.log; it reports progress
 *   to the parent over IPC until the cluster is up, then the parent disconnects and exits.
 * - `rck up` (foreground): attached; the CLI prints every report it sends and stays until
 *   the supervisor stops (Ctrl-C reaches both; the supervisor stops its members). If the
 *   CLI dies, the supervisor keeps running in the background: the keeper's own failure
 *   never stops members.
 * `up` launches the process first and starts it once the spec is checked: Node boots and
 * loads the supervisor meanwhile (about 0.1 s on a quiet machine, more under load), and
 * Redis's 2 s hold on a new master counts from the members' start. The CLI's entry even
 * launches it before loading the rest of the CLI (`prelaunchSupervisor`). Either way it
 * runs in its own session, so a terminal's Ctrl-C or hangup reaches only the CLI, which
 * passes a stop on in the foreground.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OperationError } from '../../errors.js';
import type { MemberStatus } from './member-status.js';
import { freshSnapshot } from './snapshot-blob.js';
import type { StateDir } from './state-dir.js';

const SUPERVISOR_MAIN = fileURLToPath(new URL('./supervisor-main.js', import.meta.url));
/**
 * The supervisor is I/O bound: a 1 MB young generation and V8's lite mode (no optimizing
 * compiler) take it from ~72 MB to ~55 MB resident. --no-expose-wasm first, or lite mode
 * says on stderr that it disables it. Its startup snapshot is made with the same flags.
 */
export const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1', '--no-expose-wasm', '--lite-mode'];
/** How long a supervisor that reported a failed start gets to exit by itself. */
const FAILED_EXIT_GRACE_MS = 10_000;

/** The message that starts a launched supervisor on a cluster's state directory. */
export interface SupervisorStart {
  type: 'start';
  stateDir: string;
  healthTimeoutMs?: number;
  /** `rck up` stays attached: when it goes away, the supervisor says so and keeps running. */
  foreground: boolean;
}

/** Messages the supervisor process sends to the `up` that started it. */
export type SupervisorMessage =
  { type: 'progress'; line: string } | { type: 'ready'; created: boolean; healthy: boolean; problems: string[]; members?: MemberStatus[] } | { type: 'failed'; message: string };

export interface StartedSupervisor {
  pid: number;
  created: boolean;
  healthy: boolean;
  problems: string[];
  /** The member rows that showed it healthy: `up` prints them without observing again. */
  members?: MemberStatus[];
  /** Foreground only: resolves when the supervisor process exits. */
  exited: Promise<void>;
}

/** A supervisor process that has booted (or is booting) and waits to be told which cluster to run. */
export interface LaunchedSupervisor {
  /** Starts it on `state` (prepared by `up`); resolves once the cluster is up (or degraded). */
  start(state: StateDir, opts: { healthTimeoutMs?: number; foreground: boolean }, report: (line: string) => void): Promise<StartedSupervisor>;
  /** Not needed after all (bad input, a supervisor already runs): it exits, having done nothing. */
  cancel(): Promise<void>;
}

let prelaunched: LaunchedSupervisor | undefined;

/** Launches the supervisor process now; the next `launchSupervisor` returns it. */
export function prelaunchSupervisor(): void {
  prelaunched ??= launchSupervisor();
}

export function launchSupervisor(): LaunchedSupervisor {
  if (prelaunched) {
    const launched = prelaunched;
    prelaunched = undefined;
    return launched;
  }
  const blob = freshSnapshot('supervisor', SUPERVISOR_MAIN);
  // From the snapshot, the entry's path is only an argument: it names the process as a
  // supervisor in /proc/<pid>/cmdline (orphans.ts) either way.
  const args = [...SUPERVISOR_NODE_FLAGS, ...(blob ? ['--snapshot-blob', blob] : []), SUPERVISOR_MAIN];
  // No stdout/stderr: the log's directory may not exist yet; once started, the process
  // writes to supervisor.log itself (supervisor-run.ts).
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: process.env });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let launchError: Error | undefined;
  child.once('error', (err) => (launchError = err));
  // Until it is started, it must not keep the CLI alive: a `rck up --bad-flag` that never
  // starts it just exits, and the supervisor exits when its channel closes.
  child.unref();
  child.channel?.unref();
  return {
    start: (state, startOpts, report) => startLaunched(child, exited, launchError, { ...startOpts, state }, report),
    cancel: async () => {
      child.ref(); // or the CLI could exit before the exit is seen
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function startLaunched(
  child: ChildProcess,
  exited: Promise<void>,
  launchError: Error | undefined,
  opts: { foreground: boolean; healthTimeoutMs?: number; state: StateDir },
  report: (line: string) => void,
): Promise<StartedSupervisor> {
  const { state } = opts;
  if (launchError || !child.connected) {
    return Promise.reject(new OperationError(`cannot start the supervisor: ${launchError?.message ?? 'its process is gone'}`));
  }
  child.ref();
  child.channel?.ref();
  if (opts.foreground) {
    // The supervisor has its own session: Ctrl-C (and any stop sent to the CLI) is passed on.
    const forward = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    void exited.then(() => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    });
  }
  return new Promise<StartedSupervisor>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      if (!opts.foreground) {
        if (child.connected) child.disconnect();
        child.unref();
      }
    };
    child.on('message', (m: SupervisorMessage) => {
      if (m.type === 'progress') report(m.line);
      else if (m.type === 'ready') settle(() => resolve({ pid: child.pid!, created: m.created, healthy: m.healthy, problems: m.problems, members: m.members, exited }));
      else if (!settled) {
        // A failed start has stopped its members; it exits next. Wait for that (killing it
        // if it lingers), so `up` returns with nothing of this start still running.
        settled = true;
        const linger = setTimeout(() => child.kill('SIGKILL'), FAILED_EXIT_GRACE_MS);
        void exited.then(() => {
          clearTimeout(linger);
          reject(new OperationError(m.message));
        });
      }
    });
    child.once('exit', (code, signal) => settle(() => reject(new OperationError(`supervisor exited during start (${signal ?? `code ${code}`}); see ${state.supervisorLog}`))));
    child.once('error', (err) => settle(() => reject(new OperationError(`cannot start the supervisor: ${err.message}`))));
    const start: SupervisorStart = { type: 'start', stateDir: state.dir, healthTimeoutMs: opts.healthTimeoutMs, foreground: opts.foreground };
    child.send(start);
  });
}

/**
 * Everything `rck up` checks and writes before a supervisor starts. All checks come
 * first, so bad input (old redis-server, a directive Redis rejects, busy ports, someone
 * else's state dir, a size change) fails with one line and nothing started, written or
 * deleted. When a new cluster then fails to start, `discardNewCluster` undoes it all.
 */
import { mkdir, rm } from 'node:fs/promises';
import { InputError, OperationError, errorText } from '../../errors.js';
import { pidAlive } from './process-alive.js';
import { memberCount, memberName } from '../../spec/members.js';
import type { RedisCluster } from '../../spec/schema.js';
import { checkRedisConf } from './conf-check.js';
import { orphanedSupervisorOf } from './orphans.js';
import { orphanedError } from './resolve.js';
import { checkPortsFree, checkServerBinary } from './preflight.js';
import { resolveServerBinary } from './server-binary.js';
import type { Engine } from '../../topology/engine.js';
import type { StateDir } from './state-dir.js';
import { runningMembers, stopLeftoverMembers, supervisorPid } from './supervisor-record.js';

export interface Prepared {
  isNew: boolean;
  /** The server binary members run, and which engine and version it is. */
  serverBinary: string;
  engine: Engine;
  /** Set when a supervisor already runs this cluster: `up` has nothing to do. */
  runningPid?: number;
}

/** `source` names where the spec came from (the -f file), for errors about its fields. */
export async function prepareUp(state: StateDir, cluster: RedisCluster, source: string): Promise<Prepared> {
  const fromSecret = cluster.spec.auth.users.findIndex((u) => u.passwordSecret !== undefined);
  if (fromSecret >= 0) {
    const field = `spec.auth.users[${fromSecret}].passwordSecret`;
    throw new InputError(`${field}: Kubernetes only; rck up generates the password into <state dir>/users/${cluster.spec.auth.users[fromSecret]!.name}`, { subject: field });
  }
  const serverBinary = await resolveServerBinary(cluster.spec.local.serverBinary);
  // The checks read and touch nothing in common, so they run at once: each ms before the
  // members start adds to `up` (Redis's 2 s hold on a new master counts from their start).
  // A directive Redis rejects is caught here, before anything exists, or members would crash-loop.
  const engineChecked = checkServerBinary(serverBinary);
  const [engine, , identity, runningPid] = await allInOrder([
    engineChecked,
    checkRedisConf(cluster, source, engineChecked, serverBinary),
    state.checkOwnership(cluster),
    supervisorPid(state),
  ] as const);
  if (runningPid !== undefined) return { isNew: false, serverBinary, engine, runningPid };
  const isNew = identity === undefined;
  if (isNew) {
    const { host, basePort } = cluster.spec.local;
    const ports = Array.from({ length: memberCount(cluster.spec) }, (_, i) => ({ port: basePort + i, member: memberName(cluster.metadata.name, i) }));
    await checkPortsFree(host, ports).catch(async (err: unknown) => {
      // Busy because this very cluster still runs, its state directory deleted under it?
      const orphan = await orphanedSupervisorOf(state.dir);
      throw orphan ? orphanedError({ state, cluster, exists: false }, orphan) : err;
    });
    await mkdir(state.dir, { recursive: true, mode: 0o700 });
    await state.init(cluster);
  } else {
    if (!cluster.spec.auth.enabled && (await state.password({ ...cluster, spec: { ...cluster.spec, auth: { ...cluster.spec.auth, enabled: true } } }))) {
      // Turning auth off on an existing cluster would leave members with a password we no longer pass.
      throw new InputError('spec.auth.enabled: cannot disable auth on an existing cluster that has a password', { subject: 'spec.auth.enabled' });
    }
    await checkTlsUnchanged(state, cluster);
  }
  const keeperUsers = isNew || (await keeperUsersCanStart(state, cluster));
  await state.writeSpec(cluster);
  await Promise.all([
    state.password(cluster, true),
    keeperUsers ? state.keeperPasswords(cluster, true) : undefined,
    cluster.spec.tls.enabled ? state.tls.ensureCa(cluster.metadata.name) : undefined,
    ...cluster.spec.auth.users.map((u) => state.userPassword(u.name, true)),
  ]);
  return { isNew, serverBinary, engine };
}

/**
 * TLS cannot be turned on or off under a running cluster: members restarted one by one would
 * speak TLS on the bus to peers that do not (and the other way round), and the cluster splits.
 */
async function checkTlsUnchanged(state: StateDir, cluster: RedisCluster): Promise<void> {
  const applied = await state.readSpec().catch(() => undefined);
  const was = applied?.spec.tls?.enabled ?? false;
  if (applied && was !== cluster.spec.tls.enabled) {
    throw new InputError(
      `spec.tls.enabled: cannot turn TLS ${was ? 'off' : 'on'} for existing cluster ${cluster.metadata.name} (its members would no longer understand each other); create a new cluster`,
      { subject: 'spec.tls.enabled' },
    );
  }
}

/**
 * Whether an existing cluster can get (or has) rck's own users (spec/keeper-users.ts): a
 * cluster made before them gets them once no member runs (after `rck down`), since a member
 * that has them and one that does not cannot replicate from each other. spec.auth.defaultUser
 * changes only then too, as it needs them and running members keep their users.
 */
async function keeperUsersCanStart(state: StateDir, cluster: RedisCluster): Promise<boolean> {
  if (!cluster.spec.auth.enabled) return false;
  const [has, applied] = await Promise.all([state.keeperPasswords(cluster), state.readSpec().catch(() => undefined)]);
  const defaultUserChanged = applied !== undefined && applied.spec.auth.defaultUser !== cluster.spec.auth.defaultUser;
  if (has && !defaultUserChanged) return true;
  const running = await runningMembers(state);
  if (running.length === 0) return true;
  if (defaultUserChanged) {
    throw new InputError(
      `spec.auth.defaultUser: cannot turn the default user ${cluster.spec.auth.defaultUser} while members of ${cluster.metadata.name} run (${running.length} do); run \`rck down\` first, then \`rck up\``,
      { subject: 'spec.auth.defaultUser' },
    );
  }
  return false;
}

/**
 * Like Promise.all, but waits for every promise and then throws the first failure in the
 * given order (not the first to happen), so the same bad input always gets the same line.
 */
async function allInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * A new cluster that failed to start (no cluster was created yet) leaves nothing behind:
 * any member still running is stopped and the state directory removed (the supervisor
 * has exited: `LaunchedSupervisor.start` waits for that). Returns the error to show, without
 * pointers into the directory that is gone. A created (bootstrapped) cluster is kept: it
 * may hold data.
 */
export async function discardNewCluster(state: StateDir, err: unknown): Promise<unknown> {
  const rec = await state.readSupervisor().catch(() => undefined);
  if (rec && pidAlive(rec.pid)) return err; // still running: not ours to take apart
  await stopLeftoverMembers(state, () => {});
  if ((await state.readIdentity().catch(() => undefined))?.bootstrappedAt) return err;
  await rm(state.dir, { recursive: true, force: true });
  const text = errorText(err)
    .replaceAll(state.dir, '<state dir>')
    .replace(/ \(log: <state dir>[^)]*\)|; see <state dir>\S*/g, '');
  return new OperationError(`${text}; nothing was kept (the new cluster's state directory is removed)`, { subject: state.dir });
}

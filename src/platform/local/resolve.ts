/**
 * Which local cluster a command means: `-f spec` names it, else `--name`, else the
 * cluster a member name belongs to (`redis-app-0` -> `redis-app`), else the only
 * cluster under the state home, else the default `redis-app`.
 */
import { basename, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import type { RedisCluster } from '../../spec/schema.js';
import { type OrphanedSupervisor, orphanedHint, orphanedSupervisorOf, orphanedSupervisors, orphanedText } from './orphans.js';
import { StateDir, listClusters, stateHome } from './state-dir.js';

export interface LocalTargetFlags {
  file?: string;
  name?: string;
  stateDir?: string;
}

export interface LocalTarget {
  state: StateDir;
  /** The spec from -f, else the one applied by the last `up`, else the default. */
  cluster: RedisCluster;
  /** Whether the state dir holds a cluster already. */
  exists: boolean;
}

export async function resolveLocalCluster(flags: LocalTargetFlags, memberHint?: string): Promise<LocalTarget> {
  // Loaded on use: the schema library and YAML would cost every command's start-up ~0.1 s.
  const { defaultCluster, loadSpecFile } = await import('../../spec/load.js');
  if (flags.file) {
    const cluster = await loadSpecFile(flags.file);
    const state = StateDir.forCluster(cluster.metadata.name, flags.stateDir);
    return { state, cluster, exists: await state.exists() };
  }
  const name = flags.name ?? (flags.stateDir ? undefined : await guessName(memberHint));
  const state = flags.stateDir ? new StateDir(flags.stateDir) : StateDir.forCluster(name ?? defaultCluster().metadata.name);
  if (await state.exists()) return { state, cluster: await state.readSpec(), exists: true };
  const cluster = defaultCluster();
  if (name) cluster.metadata.name = name;
  return { state, cluster, exists: false };
}

/** Like resolveLocalCluster, but the cluster must exist already. */
export async function requireLocalCluster(flags: LocalTargetFlags, memberHint?: string): Promise<LocalTarget> {
  const t = await resolveLocalCluster(flags, memberHint);
  if (!t.exists) {
    const orphan = await orphanedSupervisorOf(t.state.dir);
    throw orphan ? orphanedError(t, orphan) : await missingClusterError(t);
  }
  return t;
}

/** No such cluster; the hint names any supervisor still running over a deleted state directory (the one meant, maybe). */
export async function missingClusterError(t: LocalTarget): Promise<InputError> {
  const orphans = await orphanedSupervisors();
  const hint =
    orphans.length > 0
      ? `supervisors whose state directory was deleted still run: ${orphans.map((o) => `pid ${o.pid} (\`rck down --state-dir ${o.stateDir} --yes\` stops it)`).join(', ')}`
      : 'run `rck up` first, or pass -f/--name/--state-dir';
  return new InputError(`no local cluster "${t.cluster.metadata.name}" in ${t.state.dir}`, { hint });
}

/** A cluster whose state directory was deleted while its supervisor ran (orphans.ts). */
export function orphanedError(t: LocalTarget, orphan: OrphanedSupervisor): InputError {
  const byName = inDefaultDir(t);
  return new InputError(orphanedText(orphanedName(t), orphan), {
    subject: orphan.stateDir,
    hint: orphanedHint(byName ? `--name ${t.cluster.metadata.name}` : `--state-dir ${t.state.dir}`),
  });
}

/**
 * The name of a cluster whose spec went with its state directory: the one asked for when the
 * directory is that name's, else the directory's own name (the cluster's name in the state home's layout).
 */
export function orphanedName(t: LocalTarget): string {
  return inDefaultDir(t) ? t.cluster.metadata.name : basename(t.state.dir);
}

function inDefaultDir(t: LocalTarget): boolean {
  return resolve(t.state.dir) === StateDir.forCluster(t.cluster.metadata.name).dir;
}

/** Checks that `member` is a member of the cluster (`<name>-<ordinal>`). */
export function checkMemberName(t: LocalTarget, member: string): void {
  const { name } = t.cluster.metadata;
  const m = new RegExp(`^${name.replace(/[-]/g, '\\-')}-(\\d+)$`).exec(member);
  const count = t.cluster.spec.masters * (1 + t.cluster.spec.replicasPerMaster);
  if (!m || Number(m[1]) >= count) {
    throw new InputError(`no member "${member}" in cluster ${name} (members are ${name}-0 .. ${name}-${count - 1})`, { subject: member });
  }
}

async function guessName(memberHint?: string): Promise<string | undefined> {
  const clusters = await listClusters();
  if (memberHint) {
    const m = /^(.+)-\d+$/.exec(memberHint);
    if (m && clusters.includes(m[1]!)) return m[1];
  }
  if (clusters.length === 1) return clusters[0];
  if (clusters.length > 1) {
    throw new InputError(`several local clusters under ${stateHome()} (${clusters.join(', ')}): pass --name or -f`);
  }
  return undefined;
}

/** The one line for a --user that names none of `known` (the cluster's users). */
export function noSuchUser(t: LocalTarget, user: string, known: readonly string[]): InputError {
  return new InputError(`--user ${user}: no such user in spec.auth.users of cluster ${t.cluster.metadata.name} (users: ${known.join(', ') || 'none'})`, { subject: '--user' });
}

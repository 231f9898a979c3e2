/**
 * Everything `rck up` checks and writes before a supervisor starts. All checks come
 * first, so bad input (old redis-server, busy ports, someone else's state dir, a size
 * change) fails with one line and nothing started, written or deleted.
 */
import { mkdir } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { memberCount, memberName } from '../../spec/members.js';
import type { RedisCluster } from '../../spec/schema.js';
import { checkPortsFree, checkRedisServer } from './preflight.js';
import type { StateDir } from './state-dir.js';
import { supervisorPid } from './supervisor.js';

export interface Prepared {
  isNew: boolean;
  redisVersion: string;
  /** Set when a supervisor already runs this cluster: `up` has nothing to do. */
  runningPid?: number;
}

export async function prepareUp(state: StateDir, cluster: RedisCluster): Promise<Prepared> {
  const redisVersion = await checkRedisServer();
  const identity = await state.checkOwnership(cluster);
  const runningPid = await supervisorPid(state);
  if (runningPid !== undefined) return { isNew: false, redisVersion, runningPid };
  const isNew = identity === undefined;
  if (isNew) {
    const { host, basePort } = cluster.spec.local;
    const ports = Array.from({ length: memberCount(cluster.spec) }, (_, i) => ({ port: basePort + i, member: memberName(cluster.metadata.name, i) }));
    await checkPortsFree(host, ports);
    await mkdir(state.dir, { recursive: true, mode: 0o700 });
    await state.init(cluster);
  } else if (!cluster.spec.auth.enabled && (await state.password({ ...cluster, spec: { ...cluster.spec, auth: { enabled: true } } }))) {
    // Turning auth off on an existing cluster would leave members with a password we no longer pass.
    throw new InputError('spec.auth.enabled: cannot disable auth on an existing cluster that has a password', { subject: 'spec.auth.enabled' });
  }
  await state.writeSpec(cluster);
  await state.password(cluster, true);
  return { isNew, redisVersion };
}

/**
 * Every object of one cluster's deployment, rendered from the spec. `password` decides the
 * Secret: a value renders it, `{ existingSecret }` renders none and the pods read that one.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RedisCluster } from '../spec/schema.js';
import { unsupportedOnKubernetes } from '../spec/kubernetes.js';
import { InputError } from '../errors.js';
import { clientService, configMap, headlessService, networkPolicy, podDisruptionBudget, secret, userSecret } from './objects.js';
import { nfsVolumes, statefulSet } from './statefulset.js';
import { externalServices } from './external.js';
import { certManagerObjects } from './cert-manager.js';

/**
 * `password`: the default user's; `admin`/`replication`: rck's own users' (spec/keeper-users.ts),
 * rendered when given; `users`: spec.auth.users' generated passwords by name (one Secret each).
 */
export type SecretChoice = { password: string; admin?: string; replication?: string; users?: Readonly<Record<string, string>> } | { existingSecret: true };

export function renderCluster(rc: RedisCluster, auth: SecretChoice): KubernetesObject[] {
  const unsupported = unsupportedOnKubernetes(rc.spec);
  if (unsupported) throw new InputError(unsupported, { subject: unsupported.split(':')[0]! });
  const cm = configMap(rc);
  // Members restart (rck's rollout, one at a time) when their redis.conf changes.
  const sts = statefulSet(rc, cm.data!['redis.conf']!);
  return [
    ...(rc.spec.auth.enabled && 'password' in auth ? secrets(rc, auth) : []),
    cm,
    ...certManagerObjects(rc),
    ...nfsVolumes(rc),
    headlessService(rc),
    clientService(rc),
    ...externalServices(rc),
    sts,
    podDisruptionBudget(rc),
    networkPolicy(rc),
  ];
}

function secrets(rc: RedisCluster, auth: Exclude<SecretChoice, { existingSecret: true }>): KubernetesObject[] {
  const { password, admin, replication } = auth;
  const cluster = secret(rc, { password, ...(admin && replication ? { admin, replication } : {}) });
  const users = rc.spec.auth.users.flatMap((u) => (!u.passwordSecret && auth.users?.[u.name] !== undefined ? [userSecret(rc, u, auth.users[u.name]!)] : []));
  return [cluster, ...users];
}

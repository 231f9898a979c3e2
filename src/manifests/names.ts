/** Names and labels of the objects rendered for one RedisCluster. Pure. */
import type { RedisCluster } from '../spec/schema.js';

export const REDIS_PORT = 6379;
export const BUS_PORT = REDIS_PORT + 10000;
export const FIELD_MANAGER = 'rck';
export const CLUSTER_LABEL = 'rck.dev/cluster';
/** On the pod template: a hash of what needs the members restarted when it changes (redis.conf, resources). */
export const RESTART_HASH_ANNOTATION = 'rck.dev/restart-hash';
/** The StatefulSet's claim template; claims are `data-<name>-<i>`. */
export const DATA_VOLUME = 'data';
/** Where members mount the TLS Secret (spec.tls): tls.crt, tls.key, ca.crt. Not under /etc/rck, a read-only ConfigMap mount. */
export const TLS_DIR = '/etc/rck-tls';
export const TLS_VOLUME = 'tls';
/** Where members mount the passwords of rck's own users (rck-admin, rck-replication) and of spec.auth.users (users/<name>). */
export const AUTH_DIR = '/etc/rck-auth';

export function namesOf(rc: RedisCluster) {
  const name = rc.metadata.name;
  return {
    name,
    namespace: rc.metadata.namespace ?? 'default',
    secret: `${name}-auth`,
    /** A spec.auth.users entry's Secret: its passwordSecret, or the one the operator generates. */
    userSecret: (u: { name: string; passwordSecret?: string }) => u.passwordSecret ?? `${name}-user-${u.name}`,
    /** spec.tls: the kubernetes.io/tls Secret members serve (spec.kubernetes.tls.secretName, default <name>-tls). */
    tlsSecret: rc.spec.kubernetes.tls.secretName ?? `${name}-tls`,
    config: `${name}-config`,
    /** External access: member -> its load balancer's address, kept by the operator. */
    externalAddresses: `${name}-external`,
    headless: `${name}-headless`,
    client: name,
    statefulSet: name,
    pdb: name,
    networkPolicy: name,
    pv: (i: number) => `${name}-pv-${i}`,
    claim: (i: number) => `${DATA_VOLUME}-${name}-${i}`,
  };
}

/** Labels every object carries; the selector is the subset that never changes. */
export function labelsOf(rc: RedisCluster): Record<string, string> {
  return { ...(rc.metadata.labels ?? {}), ...selectorOf(rc), 'app.kubernetes.io/managed-by': 'rck' };
}

export function selectorOf(rc: RedisCluster): Record<string, string> {
  return { 'app.kubernetes.io/name': 'redis-cluster', [CLUSTER_LABEL]: rc.metadata.name };
}

/** metadata of a namespaced object of this cluster. */
export function meta(rc: RedisCluster, name: string) {
  return { name, namespace: namesOf(rc).namespace, labels: labelsOf(rc) };
}

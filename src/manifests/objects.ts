/** The small objects of a cluster: Secret, ConfigMap, Services, PDB, NetworkPolicy. Pure. */
import { randomBytes } from 'node:crypto';
import type { V1ConfigMap, V1NetworkPolicy, V1NetworkPolicyPeer, V1PodDisruptionBudget, V1Secret, V1Service } from '@kubernetes/client-node';
import { renderSharedConf, tlsLines } from '../spec/redis-conf.js';
import type { RedisCluster } from '../spec/schema.js';
import { BUS_PORT, REDIS_PORT, TLS_DIR, meta, namesOf, selectorOf } from './names.js';
import { prestopScript, startScript } from './scripts.js';

/** A fresh password: 32 random bytes, URL-safe (no quotes or spaces to escape in redis.conf). */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The cluster's Secret: the default user's password, and those of rck's own users
 * (spec/keeper-users.ts: `admin`, `replication`) for a new cluster.
 */
export function secret(rc: RedisCluster, passwords: { password: string; admin?: string; replication?: string }): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(rc, namesOf(rc).secret), type: 'Opaque', stringData: passwords };
}

/** The generated password of a spec.auth.users entry without passwordSecret. */
export function userSecret(rc: RedisCluster, user: { name: string }, password: string): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(rc, namesOf(rc).userSecret(user)), type: 'Opaque', stringData: { password } };
}

/** Fresh passwords for a new cluster's Secret. */
export function generateClusterPasswords(): { password: string; admin: string; replication: string } {
  return { password: generatePassword(), admin: generatePassword(), replication: generatePassword() };
}

/** With spec.tls, `tls.conf` holds the members' TLS lines (spec/redis-conf.ts), included by start.sh in place of `port`. */
export function configMap(rc: RedisCluster): V1ConfigMap {
  const tls = rc.spec.tls.enabled;
  const files = { certFile: `${TLS_DIR}/tls.crt`, keyFile: `${TLS_DIR}/tls.key`, caFile: `${TLS_DIR}/ca.crt`, authClients: rc.spec.tls.authClients };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(rc, namesOf(rc).config),
    data: {
      'redis.conf': renderSharedConf(rc.spec, rc.metadata.name),
      'start.sh': startScript(tls, { defaultUserOff: rc.spec.auth.defaultUser === 'off', users: rc.spec.auth.users }),
      'prestop.sh': prestopScript(tls, rc.spec.auth.enabled),
      ...(tls ? { 'tls.conf': `${tlsLines(REDIS_PORT, files).join('\n')}\n` } : {}),
    },
  };
}

/** Headless: stable pod DNS names, published before pods are ready (members meet before Ready). */
export function headlessService(rc: RedisCluster): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(rc, namesOf(rc).headless),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorOf(rc),
      ports: [
        { name: 'redis', port: REDIS_PORT },
        { name: 'bus', port: BUS_PORT },
      ],
    },
  };
}

/** Where cluster-aware clients get their first node; redirections then go to pod IPs. */
export function clientService(rc: RedisCluster): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(rc, namesOf(rc).client),
    spec: { type: 'ClusterIP', selector: selectorOf(rc), ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis' as never }] },
  };
}

/** One member down at a time for voluntary disruptions (drains): each shard keeps a copy. */
export function podDisruptionBudget(rc: RedisCluster): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(rc, namesOf(rc).pdb),
    spec: { maxUnavailable: 1 as never, selector: { matchLabels: selectorOf(rc) } },
  };
}

/** Client port from the allowed clients (and the operator); bus port only between members. */
export function networkPolicy(rc: RedisCluster): V1NetworkPolicy {
  const members: V1NetworkPolicyPeer = { podSelector: { matchLabels: selectorOf(rc) } };
  const allowed = rc.spec.kubernetes.clientAllowedFrom;
  const clients: V1NetworkPolicyPeer[] | undefined = allowed && [
    members,
    // The operator talks to every member on the client port, from any namespace.
    { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'rck-operator' } } },
    ...allowed.map((a): V1NetworkPolicyPeer =>
      a.cidr
        ? { ipBlock: { cidr: a.cidr } }
        : {
            ...(a.podLabels ? { podSelector: { matchLabels: a.podLabels } } : {}),
            ...(a.namespaceLabels ? { namespaceSelector: { matchLabels: a.namespaceLabels } } : {}),
          },
    ),
  ];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(rc, namesOf(rc).networkPolicy),
    spec: {
      podSelector: { matchLabels: selectorOf(rc) },
      policyTypes: ['Ingress'],
      ingress: [
        { ...(clients ? { from: clients } : {}), ports: [{ protocol: 'TCP', port: REDIS_PORT as never }] },
        { from: [members], ports: [{ protocol: 'TCP', port: BUS_PORT as never }] },
      ],
    },
  };
}

/** The members' StatefulSet (apps/v1) and, for static NFS storage, their PersistentVolumes. */
import { createHash } from 'node:crypto';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StatefulSet, V1Volume } from '@kubernetes/client-node';
import { memberCount } from '../spec/members.js';
import type { RedisCluster } from '../spec/schema.js';
import { AUTH_DIR, BUS_PORT, DATA_VOLUME, REDIS_PORT, RESTART_HASH_ANNOTATION, TLS_DIR, TLS_VOLUME, labelsOf, meta, namesOf, selectorOf } from './names.js';
import { readyCommand, tlsLiveCommand } from './scripts.js';
import { ADMIN_USER, REPLICATION_USER } from '../spec/keeper-users.js';

const AUTH_VOLUME = 'auth';

/** Where a member finds its load balancer's address (external access). */
const EXTERNAL_DIR = '/etc/rck-external';

// Seconds kept after the handover for redis to save and exit on SIGTERM.
const SAVE_MARGIN_S = 5;

export function statefulSet(rc: RedisCluster, redisConf: string): V1StatefulSet {
  const k = rc.spec.kubernetes;
  const n = namesOf(rc);
  const selector = selectorOf(rc);
  const tls = rc.spec.tls.enabled;
  const antiAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  const env = [
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'HANDOVER_SECONDS', value: String(k.terminationGracePeriodSeconds - SAVE_MARGIN_S) },
    // announce: hostname: the pod's name under the headless Service (start.sh announces it).
    ...(k.announce === 'hostname'
      ? [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'ANNOUNCE_HOSTNAME', value: `$(POD_NAME).${n.headless}.${n.namespace}.svc.${k.clusterDomain}` },
        ]
      : []),
    // External access: its load balancer's address, announced from the start (start.sh).
    ...(k.externalAccess
      ? [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'EXTERNAL_ADDRESS_FILE', value: `${EXTERNAL_DIR}/$(POD_NAME)` },
        ]
      : []),
    ...(rc.spec.auth.enabled ? [{ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: n.secret, key: 'password' } } }] : []),
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(rc, n.statefulSet),
    spec: {
      serviceName: n.headless,
      replicas: memberCount(rc.spec),
      // All members start together: the controller creates the cluster once all answer, and
      // after a full restart every member must be up for the cluster to recover.
      podManagementPolicy: 'Parallel',
      // rck rolls the pods itself (plan/heal/rollout.ts): replicas first, a master only after an
      // up-to-date replica took its role over. The StatefulSet's own rolling update would
      // restart pods by ordinal, masters included, on any template change.
      updateStrategy: { type: 'OnDelete' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labelsOf(rc), annotations: { [RESTART_HASH_ANNOTATION]: restartHash(rc, redisConf) } },
        spec: {
          terminationGracePeriodSeconds: k.terminationGracePeriodSeconds,
          enableServiceLinks: false,
          automountServiceAccountToken: false,
          securityContext: {
            runAsUser: 999,
            runAsGroup: 999,
            fsGroup: 999,
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          affinity: {
            podAntiAffinity:
              k.antiAffinity === 'required'
                ? { requiredDuringSchedulingIgnoredDuringExecution: [antiAffinityTerm] }
                : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: antiAffinityTerm }] },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
          ],
          containers: [
            {
              name: 'redis',
              image: k.image,
              command: ['sh', '/etc/rck/start.sh'],
              env,
              ports: [
                { name: 'redis', containerPort: REDIS_PORT },
                { name: 'bus', containerPort: BUS_PORT },
              ],
              readinessProbe: { exec: { command: readyCommand(tls, rc.spec.auth.enabled) }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 2 },
              livenessProbe: tls
                ? { exec: { command: tlsLiveCommand() }, initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 6 }
                : { tcpSocket: { port: REDIS_PORT as never }, initialDelaySeconds: 10, periodSeconds: 5, failureThreshold: 6 },
              lifecycle: { preStop: { exec: { command: ['sh', '/etc/rck/prestop.sh'] } } },
              resources: k.resources,
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: DATA_VOLUME, mountPath: '/data' },
                { name: 'config', mountPath: '/etc/rck', readOnly: true },
                ...(tls ? [{ name: TLS_VOLUME, mountPath: TLS_DIR, readOnly: true }] : []),
                ...(rc.spec.auth.enabled ? [{ name: AUTH_VOLUME, mountPath: AUTH_DIR, readOnly: true }] : []),
                ...(k.externalAccess ? [{ name: 'external', mountPath: EXTERNAL_DIR, readOnly: true }] : []),
              ],
            },
          ],
          // The TLS Secret as a volume, not subPath mounts: the kubelet replaces its files in
          // place when the Secret changes, and the operator has members reload them (no restart).
          volumes: [
            { name: 'config', configMap: { name: n.config } },
            ...(tls ? [{ name: TLS_VOLUME, secret: { secretName: n.tlsSecret, defaultMode: 0o440 } }] : []),
            ...(rc.spec.auth.enabled ? [authVolume(rc)] : []),
            // Written by the operator once the load balancers have addresses; absent until then.
            ...(k.externalAccess ? [{ name: 'external', configMap: { name: n.externalAddresses, optional: true } }] : []),
          ],
        },
      },
      volumeClaimTemplates: [claimTemplate(rc)],
    },
  };
}

/**
 * The passwords start.sh puts in the member's conf: rck's own users from the cluster's Secret
 * (optional: a Secret made before them has only the default user's), and each spec.auth.users
 * entry's from its Secret. Group-readable: the files belong to root, the server runs as 999.
 */
function authVolume(rc: RedisCluster): V1Volume {
  const n = namesOf(rc);
  const keeper = { key: 'admin', path: ADMIN_USER };
  const replication = { key: 'replication', path: REPLICATION_USER };
  return {
    name: AUTH_VOLUME,
    projected: {
      defaultMode: 0o440,
      sources: [
        { secret: { name: n.secret, items: [keeper, replication], optional: true } },
        ...rc.spec.auth.users.map((u) => ({ secret: { name: n.userSecret(u), items: [{ key: 'password', path: `users/${u.name}` }] } })),
      ],
    },
  };
}

function claimTemplate(rc: RedisCluster): V1PersistentVolumeClaim {
  const s = rc.spec.kubernetes.storage;
  // Static NFS volumes are pre-bound to the claims by claimRef; '' keeps a default class away.
  const storageClassName = s.nfs ? '' : s.storageClass;
  return {
    metadata: { name: DATA_VOLUME, labels: labelsOf(rc) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: s.size } },
      ...(storageClassName !== undefined ? { storageClassName } : {}),
    },
  };
}

/** One PersistentVolume per member for `storage.nfs`, each pre-bound to its member's claim. */
export function nfsVolumes(rc: RedisCluster): V1PersistentVolume[] {
  const s = rc.spec.kubernetes.storage;
  if (!s.nfs) return [];
  const n = namesOf(rc);
  return Array.from({ length: memberCount(rc.spec) }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: n.pv(i), labels: labelsOf(rc) },
    spec: {
      capacity: { storage: s.size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: '',
      nfs: { server: s.nfs!.server, path: `${s.nfs!.path.replace(/\/$/, '')}/${n.name}-${i}` },
      claimRef: { namespace: n.namespace, name: n.claim(i) },
    },
  }));
}

/**
 * What, from the spec, the members must restart for when it changes: redis.conf, the
 * container's resources, whether it gets the password, what it announces, and spec.tls. The
 * image is compared as is. A new key goes in only when its value is not the default: otherwise
 * every running member would count as changed under a new rck version.
 */
export function restartHash(rc: RedisCluster, redisConf: string): string {
  const k = rc.spec.kubernetes;
  const what = JSON.stringify({
    redisConf,
    resources: k.resources,
    auth: rc.spec.auth.enabled,
    // The users start.sh writes into the conf (scripts.ts): only when there are any, or the default user is off.
    ...(rc.spec.auth.users.length > 0 || rc.spec.auth.defaultUser === 'off' ? { access: { defaultUser: rc.spec.auth.defaultUser, users: rc.spec.auth.users } } : {}),
    ...(k.announce === 'hostname' ? { announceHostname: k.clusterDomain } : {}),
    // tls-auth-clients is read at start. Turning TLS itself on or off under a running cluster
    // is refused (platform/kubernetes/tls-secret.ts).
    ...(rc.spec.tls.enabled ? { tls: rc.spec.tls } : {}),
  });
  return createHash('sha256').update(what).digest('hex').slice(0, 16);
}

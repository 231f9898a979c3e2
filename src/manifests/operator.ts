/**
 * What `rck render operator` prints, one install bundle: the CRD, the operator's namespace,
 * ServiceAccount, least-privilege RBAC, Deployment and PodDisruptionBudget. The Helm chart in
 * deploy/helm/rck-operator renders the same objects (test/k8s/helm-chart.test.ts compares them).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { InputError } from '../errors.js';
import { DEFAULT_IMAGE } from '../version.js';
import { GROUP, PLURAL, redisClusterCrd } from './crd.js';

export const OPERATOR_NAME = 'rck-operator';
const labels = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/managed-by': 'rck' };

export interface OperatorOptions {
  /** The operator's own namespace (Deployment, ServiceAccount, leader-election Lease). */
  readonly namespace: string;
  /** @default DEFAULT_IMAGE, the tag scripts/build-image.sh writes */
  readonly image?: string;
  /**
   * Namespaced mode: the operator keeps only this namespace's RedisClusters and its rights
   * there are a Role. Cluster-wide (a ClusterRole) when absent.
   */
  readonly watchNamespace?: string;
  /** @default 2: one leads (the Lease), the other waits, so a drain never leaves no operator. */
  readonly replicas?: number;
}

/** Rights on the RedisClusters' own namespaces: what a Role grants in namespaced mode. */
export const NAMESPACED_RULES = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'patch', 'update'] },
  // Owner references with blockOwnerDeletion need update on the owner's finalizers.
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  // Rollouts: rck deletes one pod at a time (the StatefulSet's updateStrategy is OnDelete).
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] },
  // The controller reads refused PSYNCs in a member's log to size writes Redis discarded.
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  // External access turned off: the ConfigMap of the members' load balancer addresses is deleted.
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'delete'] },
  // External access: the members' load balancers are listed for their addresses; a retired member's is deleted, and all when it is turned off.
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  // The password is generated once: read to pass it to the controller, create when missing; spec.tls: the members' Secret is read.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create'] },
  // Claims are deleted only when a cluster asks for it (kubernetes.deleteVolumesOnDelete).
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['list', 'delete', 'deletecollection'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  // Scaling: the controller moves replicas one step at a time (scale-in only after draining).
  { apiGroups: ['apps'], resources: ['statefulsets/scale'], verbs: ['get', 'patch'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'patch'] },
  // spec.kubernetes.tls.certManager: the Certificate of the members' Secret (and, without an issuerRef, the cluster's own CA issuers).
  { apiGroups: ['cert-manager.io'], resources: ['certificates', 'issuers'], verbs: ['get', 'create', 'patch'] },
];

/** Nodes: read for their zone label (the failure domain); the only cluster-scoped read. */
const NODE_RULE = { apiGroups: [''], resources: ['nodes'], verbs: ['get'] };
/**
 * `storage.nfs` creates PersistentVolumes. Creating PVs amounts to host access, so only the
 * cluster-wide mode grants it; in namespaced mode NFS clusters need a cluster-wide operator.
 */
const PV_RULE = { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'create', 'patch'] };

/** Everything the cluster-wide operator may do, in one ClusterRole. */
export const OPERATOR_RULES = [...NAMESPACED_RULES, NODE_RULE, PV_RULE];

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function checkNamespace(flag: string, ns: string): void {
  if (!DNS_LABEL.test(ns)) throw new InputError(`${flag}: "${ns}" is not a namespace name (lowercase letters, digits and '-', at most 63 characters)`);
}

/**
 * Node's young generation grows to 3 x 16 MB semi-spaces by default; at 2 MB the operator
 * idles at about 2 MB per kept cluster instead of 9 (bench/operator-idle.ts, docs/benchmarks.md).
 * Only settable at start, hence the environment (the operator sets its old-space growth itself).
 */
export const OPERATOR_NODE_OPTIONS = '--max-semi-space-size=2';

/** Where the operator in the bundle listens for Prometheus (`rck render monitoring` scrapes it). */
export const OPERATOR_METRICS_PORT = 9108;

/**
 * /metrics on the pod IP, for Prometheus (`[...]` takes an IPv6 pod IP too); the web view on
 * loopback only, reached with `kubectl port-forward deploy/rck-operator 9109`.
 */
export const OPERATOR_LISTEN_ARGS = ['--metrics-address', `[$(POD_IP)]:${OPERATOR_METRICS_PORT}`, '--web-address', '127.0.0.1:9109'];

export function renderOperator(o: OperatorOptions): KubernetesObject[] {
  checkNamespace('--namespace', o.namespace);
  if (o.watchNamespace !== undefined) checkNamespace('--watch-namespace', o.watchNamespace);
  const replicas = o.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1) throw new InputError(`--replicas: expected a whole number of at least 1, got ${replicas}`);
  const meta = (name: string, namespace = o.namespace) => ({ name, namespace, labels });
  const subjects = [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: o.namespace }];
  const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', metadata: object, roleKind: 'Role' | 'ClusterRole', name: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects,
  });
  const rbac =
    o.watchNamespace === undefined
      ? [
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: OPERATOR_NAME, labels }, rules: OPERATOR_RULES },
          binding('ClusterRoleBinding', { name: OPERATOR_NAME, labels }, 'ClusterRole', OPERATOR_NAME),
        ]
      : namespacedRbac(o.namespace, o.watchNamespace, meta, binding);
  return [
    redisClusterCrd(),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(OPERATOR_NAME) },
    ...rbac,
    // Leader election: the Lease rck-operator in the operator's namespace only.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(`${OPERATOR_NAME}-leader-election`),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    },
    binding('RoleBinding', meta(`${OPERATOR_NAME}-leader-election`), 'Role', `${OPERATOR_NAME}-leader-election`),
    operatorDeployment(o, replicas, meta(OPERATOR_NAME)),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(OPERATOR_NAME),
      // One at a time: a drain keeps the other replica (which takes the Lease); with one replica it never blocks.
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': OPERATOR_NAME } } },
    },
  ] as KubernetesObject[];
}

/**
 * Namespaced mode: a Role and RoleBinding in the watched namespace, and a ClusterRole that
 * only reads nodes (named after the operator's namespace, so several namespaced installs coexist).
 */
function namespacedRbac(
  ns: string,
  watched: string,
  meta: (name: string, namespace?: string) => object,
  binding: (kind: 'RoleBinding' | 'ClusterRoleBinding', metadata: object, roleKind: 'Role' | 'ClusterRole', name: string) => object,
): object[] {
  const nodeReader = `${OPERATOR_NAME}-${ns}-nodes`;
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(OPERATOR_NAME, watched), rules: NAMESPACED_RULES },
    binding('RoleBinding', meta(OPERATOR_NAME, watched), 'Role', OPERATOR_NAME),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: nodeReader, labels }, rules: [NODE_RULE] },
    binding('ClusterRoleBinding', { name: nodeReader, labels }, 'ClusterRole', nodeReader),
  ];
}

function operatorDeployment(o: OperatorOptions, replicas: number, metadata: object): KubernetesObject {
  const selector = { 'app.kubernetes.io/name': OPERATOR_NAME };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas,
      // One operator acts at a time (the Lease); Recreate also keeps upgrades from running two versions.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          // The waiting replica is only useful on another node.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
                },
              ],
            },
          },
          containers: [
            {
              name: 'operator',
              image: o.image ?? DEFAULT_IMAGE,
              args: [...(o.watchNamespace === undefined ? ['operator'] : ['operator', '--namespace', o.watchNamespace]), ...OPERATOR_LISTEN_ARGS],
              // The leader-election Lease lives in the operator's own namespace; the pod IP is where Prometheus scrapes.
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'NODE_OPTIONS', value: OPERATOR_NODE_OPTIONS },
              ],
              ports: [{ name: 'metrics', containerPort: OPERATOR_METRICS_PORT, protocol: 'TCP' }],
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  } as KubernetesObject;
}

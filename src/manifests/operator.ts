/** What `rck render operator` prints: the CRD, and the operator's Deployment with least-privilege RBAC. */
import type { KubernetesObject } from '@kubernetes/client-node';
import { GROUP, PLURAL, redisClusterCrd } from './crd.js';

export const OPERATOR_NAME = 'rck-operator';
const labels = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/managed-by': 'rck' };

export interface OperatorOptions {
  namespace: string;
  image: string;
}

/** Exactly what the operator reads and writes; nothing cluster-wide beyond nodes and NFS volumes. */
export const OPERATOR_RULES = [
  { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['get', 'patch', 'update'] },
  // Owner references with blockOwnerDeletion need update on the owner's finalizers.
  { apiGroups: [GROUP], resources: [`${PLURAL}/finalizers`], verbs: ['update'] },
  { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps', 'services'], verbs: ['get', 'create', 'patch'] },
  // The password is generated once: read to pass it to the controller, create when missing.
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create'] },
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'create', 'patch'] },
  // Claims are deleted only when a cluster asks for it (kubernetes.deleteVolumesOnDelete).
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['list', 'delete', 'deletecollection'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  // Scaling: the controller moves replicas one step at a time (scale-in only after draining).
  { apiGroups: ['apps'], resources: ['statefulsets/scale'], verbs: ['get', 'patch'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'create', 'patch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'create', 'patch'] },
];

export function renderOperator(o: OperatorOptions): KubernetesObject[] {
  const meta = (name: string) => ({ name, namespace: o.namespace, labels });
  return [
    redisClusterCrd(),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(OPERATOR_NAME) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: OPERATOR_NAME, labels }, rules: OPERATOR_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: OPERATOR_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: OPERATOR_NAME },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: o.namespace }],
    },
    // Leader election: the Lease rck-operator in the operator's namespace only.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(`${OPERATOR_NAME}-leader-election`),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${OPERATOR_NAME}-leader-election`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${OPERATOR_NAME}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: o.namespace }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(OPERATOR_NAME),
      spec: {
        replicas: 1,
        // One operator acts at a time (the Lease); Recreate also keeps upgrades from running two candidates.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: OPERATOR_NAME,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'operator',
              image: o.image,
              args: ['operator'],
              // The leader-election Lease lives in the operator's own namespace.
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            }],
          },
        },
      },
    },
  ] as KubernetesObject[];
}

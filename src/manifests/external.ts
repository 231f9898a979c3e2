/**
 * External access (`spec.kubernetes.externalAccess`): one LoadBalancer Service per member,
 * selecting its pod by name. The controller has each member announce its load balancer's
 * address to clients (plan/heal/external.ts), so a client outside Kubernetes follows
 * redirections to load balancers, never to pod IPs.
 */
import type { V1Service } from '@kubernetes/client-node';
import { memberCount, memberName } from '../spec/members.js';
import type { RedisCluster } from '../spec/schema.js';
import { REDIS_PORT, meta, namesOf } from './names.js';

/** The label that names the member a Service exposes. */
export const EXTERNAL_FOR_LABEL = 'rck.dev/external-for';

export const externalServiceName = (member: string) => `${member}-external`;

export function externalServices(rc: RedisCluster): V1Service[] {
  const ext = rc.spec.kubernetes.externalAccess;
  if (!ext) return [];
  return Array.from({ length: memberCount(rc.spec) }, (_, i) => {
    const member = memberName(namesOf(rc).name, i);
    const m = meta(rc, externalServiceName(member));
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { ...m, labels: { ...m.labels, [EXTERNAL_FOR_LABEL]: member }, ...(ext.annotations ? { annotations: ext.annotations } : {}) },
      spec: {
        type: ext.type,
        // The StatefulSet controller labels each pod with its own name.
        selector: { 'statefulset.kubernetes.io/pod-name': member },
        ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT as never }],
      },
    };
  });
}

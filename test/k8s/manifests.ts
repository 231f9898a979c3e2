/** Objects the self-tests apply: a Redis StatefulSet shaped like the project's own. */
import type { V1ConfigMap, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';

export const PASSWORD = 'selftest-password';

export const secret = (ns: string): V1Secret => ({
  metadata: { name: 'kv-auth', namespace: ns },
  stringData: { password: PASSWORD },
});

export const configMap = (ns: string): V1ConfigMap => ({
  metadata: { name: 'kv-conf', namespace: ns },
  data: { 'redis.conf': 'dir /data\ndbfilename dump.rdb\nappendonly no\nsave ""\nprotected-mode yes\n' },
});

export const headlessService = (ns: string): V1Service => ({
  metadata: { name: 'kv', namespace: ns },
  spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'kv' }, ports: [{ name: 'redis', port: 6379 }] },
});

export const statefulSet = (ns: string, replicas: number): V1StatefulSet => ({
  metadata: { name: 'kv', namespace: ns },
  spec: {
    serviceName: 'kv',
    replicas,
    selector: { matchLabels: { app: 'kv' } },
    template: {
      metadata: { labels: { app: 'kv' } },
      spec: {
        terminationGracePeriodSeconds: 10,
        // Not root, as the product's manifests will be: volumes reach the user through fsGroup.
        securityContext: { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true },
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'kv' } }, topologyKey: 'kubernetes.io/hostname' }],
          },
        },
        containers: [
          {
            name: 'redis',
            image: 'redis:7.0',
            command: ['redis-server', '/etc/redis/redis.conf', '--bind', '$(POD_IP)', '--port', '6379', '--requirepass', '$(REDIS_PASSWORD)'],
            env: [
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'kv-auth', key: 'password' } } },
            ],
            ports: [{ name: 'redis', containerPort: 6379 }],
            readinessProbe: {
              exec: { command: ['sh', '-c', 'redis-cli -h "$POD_IP" -a "$REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG'] },
              periodSeconds: 1,
            },
            livenessProbe: { tcpSocket: { port: 'redis' as never }, periodSeconds: 2 },
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo "$POD_NAME stopped" > /data/prestop'] } } },
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'conf', mountPath: '/etc/redis', readOnly: true },
            ],
          },
        ],
        volumes: [{ name: 'conf', configMap: { name: 'kv-conf' } }],
      },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
      },
    ],
  },
});

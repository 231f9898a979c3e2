/**
 * The Kubernetes part of the spec (ignored by the local platform). Part of the one zod
 * schema, so it validates spec files and becomes the CRD's OpenAPI schema as well.
 */
import { z } from 'zod';

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?([mkMGTPE]i?|[KMGTPE]i|[eE][0-9]+)?$/, 'must be a Kubernetes quantity like 500m, 1Gi');
const labels = z.record(z.string(), z.string());

const resources = z
  .strictObject({
    requests: z.record(z.string(), quantity).optional(),
    limits: z.record(z.string(), quantity).optional(),
  })
  .default({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } })
  .describe('resources of the redis container; the memory limit should exceed maxmemory plus replication buffers');

const storage = z
  .strictObject({
    size: quantity.default('1Gi').describe('size of each member volume'),
    storageClass: z.string().optional().describe('StorageClass of the claims; the cluster default when absent'),
    nfs: z
      .strictObject({
        server: z.string().min(1).describe('NFS server address'),
        path: z.string().regex(/^\//, 'must be an absolute path').describe('exported directory; member i uses <path>/<name>-<i>'),
      })
      .optional()
      .describe("the seed's static NFS volumes: one PersistentVolume per member, <name>-pv-<i>, bound to its claim"),
  })
  .prefault({});

const clientPeer = z
  .strictObject({
    podLabels: labels.optional().describe('pods with these labels (in namespaces matching namespaceLabels, or this namespace)'),
    namespaceLabels: labels.optional().describe('namespaces with these labels'),
    cidr: z.string().optional().describe('an IP block, e.g. 10.0.0.0/8'),
  })
  .describe('one source allowed to reach the client port');

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Kubernetes object name (lowercase DNS subdomain)');

const certManager = z
  .strictObject({
    issuerRef: z
      .strictObject({
        name: dnsName.describe('the Issuer or ClusterIssuer'),
        kind: z.enum(['Issuer', 'ClusterIssuer']).default('Issuer'),
        group: z.string().default('cert-manager.io'),
      })
      .optional()
      .describe("who signs the members' certificate; absent: rck renders its own CA (a self-signed Issuer <name>-selfsigned, a CA Certificate <name>-ca and an Issuer <name>-ca)"),
    duration: z
      .string()
      .regex(/^([0-9]+(\.[0-9]+)?(h|m|s))+$/, 'must be a Go duration like 2160h')
      .default('2160h')
      .describe("lifetime of the members' certificate"),
    renewBefore: z
      .string()
      .regex(/^([0-9]+(\.[0-9]+)?(h|m|s))+$/, 'must be a Go duration like 720h')
      .default('720h')
      .describe('cert-manager renews this long before the end'),
  })
  .describe("rck renders a cert-manager Certificate that writes the Secret secretName (cert-manager's CRDs and controller must be installed)");

const kubernetesTls = z
  .strictObject({
    secretName: dnsName
      .optional()
      .describe(
        'the kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) every member serves and uses as its client certificate (between members and for the operator), default <name>-tls. The certificate must name <name>.<namespace>.svc (the operator checks that name) and should name *.<name>-headless.<namespace>.svc.cluster.local; usages server auth and client auth. Replaced in place, it is loaded by the running members without a restart',
      ),
    certManager: certManager.optional(),
  })
  .prefault({})
  .describe('where spec.tls gets its certificates on Kubernetes');

export const kubernetesPlatform = z
  .strictObject({
    image: z.string().default('redis:7.0').describe('image of the members: redis-server and redis-cli on the PATH, or valkey-server and valkey-cli (the official valkey image)'),
    storage,
    antiAffinity: z.enum(['preferred', 'required']).default('preferred').describe('keep members of this cluster on distinct nodes: preferred (schedules anyway) or required'),
    resources,
    clientAllowedFrom: z.array(clientPeer).optional().describe('who may reach the client port (NetworkPolicy); everyone when absent. The bus port is open only between members'),
    terminationGracePeriodSeconds: z.number().int().min(5).max(600).default(30).describe('time a stopping pod has to hand its master role over (preStop) and save'),
    deleteVolumesOnDelete: z.boolean().default(false).describe('delete the member volumes (claims) when the RedisCluster is deleted; kept by default'),
    announce: z
      .enum(['ip', 'hostname'])
      .default('ip')
      .describe(
        'what members announce to clients: their pod IP, or their stable DNS name <pod>.<name>-headless.<namespace>.svc.<clusterDomain> ' +
          '(cluster-announce-hostname with cluster-preferred-endpoint-type hostname), which clients keep through a full restart',
      ),
    externalAccess: z
      .strictObject({
        type: z.literal('LoadBalancer').describe('one LoadBalancer Service per member; NodePort is not offered: Redis 7.0 announces one port for clients and replication alike'),
        annotations: labels.optional().describe("the Services' annotations (a cloud's load balancer settings)"),
      })
      .optional()
      .describe(
        "clients outside Kubernetes: a LoadBalancer Service per member (<pod>-external), and each member announces its load balancer's address to clients " +
          '(cluster-announce-hostname, cluster-preferred-endpoint-type hostname); the bus and replication stay on pod IPs',
      ),
    clusterDomain: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS domain like cluster.local')
      .default('cluster.local')
      .describe("the Kubernetes cluster's DNS domain, for announce: hostname"),
    tls: kubernetesTls,
  })
  .superRefine((k, ctx) => {
    // Both set what members announce to clients (cluster-announce-hostname).
    if (k.externalAccess && k.announce === 'hostname') ctx.addIssue({ code: 'custom', path: ['externalAccess'], message: 'cannot be combined with announce: hostname' });
  })
  .prefault({})
  .describe('how members run on Kubernetes (ignored locally)');

export type KubernetesSpec = z.output<typeof kubernetesPlatform>;

/** What the spec asks that the Kubernetes platform cannot do, as one line, or undefined. */
export function unsupportedOnKubernetes(spec: { auth: { users: ReadonlyArray<{ name: string; passwordSecret?: string }> } }): string | undefined {
  for (const [i, u] of spec.auth.users.entries()) {
    // The generated password's Secret is named after the user: <cluster>-user-<name>.
    if (!u.passwordSecret && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(u.name)) {
      return `spec.auth.users[${i}].name: "${u.name}" cannot name its Secret (<cluster>-user-${u.name}): use lowercase letters, digits and -, or give passwordSecret`;
    }
  }
  return undefined;
}

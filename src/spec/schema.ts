/**
 * The cluster spec: one zod schema is the single source of validation, defaults,
 * TypeScript types and (through z.toJSONSchema) the Kubernetes CRD's OpenAPI schema.
 * Shaped like a Kubernetes object so the same file works locally and on Kubernetes.
 * Defaults reproduce the seed: `redis-app`, 3 masters x 1 replica, the seed's redis.conf.
 */
import { z } from 'zod';
import { memberCount } from './members.js';
import { OWNED_SETTINGS } from './owned-settings.js';
import { aclUser } from './acl-users.js';

export const API_VERSION = 'rck.dev/v1alpha1';
export const KIND = 'RedisCluster';

export { SEED_REDIS_CONFIG, memberCount, memberName } from './members.js';
import { kubernetesPlatform } from './kubernetes.js';

const configValue = z.union([z.string().regex(/^[^\r\n]*$/, 'must be one line'), z.number(), z.boolean()]);

const redisConfig = z
  .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lowercase redis.conf directive'), configValue)
  .default({})
  .superRefine((cfg, ctx) => {
    for (const key of Object.keys(cfg)) {
      const reason = OWNED_SETTINGS[key];
      if (reason) ctx.addIssue({ code: 'custom', path: [key], message: `cannot be overridden: ${reason}` });
    }
  })
  .describe('redis.conf directives merged over the seed settings; settings rck owns are rejected');

const localPlatform = z
  .strictObject({
    host: z
      .string()
      .regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'must be a loopback IPv4 address (127.x.y.z)')
      .default('127.0.0.1')
      .describe('loopback address members bind to; other than 127.0.0.1 renders bind-source-addr'),
    basePort: z.number().int().min(1024).max(55535).default(7000).describe('first client port of the range members use; the cluster bus is port + 10000'),
    portCount: z.number().int().min(1).max(1000).default(100).describe('size of the port range; a member re-created after `rck kill` takes the next free port in it'),
    serverBinary: z
      .string()
      .min(1)
      .regex(/^[^\r\n]*$/, 'must be one line')
      .optional()
      .describe(
        'the server members run: a path or a name on PATH (Redis 7+ or Valkey 8); default redis-server, or valkey-server when only that is installed. rck connect uses the client beside it (redis-cli or valkey-cli)',
      ),
  })
  .prefault({})
  .describe('where members run on this machine (ignored on Kubernetes)');

export const clusterSpecSchema = z
  .strictObject({
    masters: z.number().int().min(3, 'a Redis Cluster needs at least 3 masters').max(100).default(3),
    replicasPerMaster: z.number().int().min(0).max(5).default(1),
    placement: z.enum(['ordinal', 'spread']).default('ordinal').describe("'ordinal' is the seed's layout: members 0..M-1 masters, member M+i replicates master i mod M"),
    persistence: z.strictObject({ enabled: z.boolean().default(true).describe('appendonly yes, each member keeps its data dir') }).prefault({}),
    auth: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("generate passwords on first up: the default user's (requirepass), rck's own admin user's (rck-admin) and replication's (rck-replication, masteruser)"),
        defaultUser: z.enum(['on', 'off']).default('on').describe('off: the default user cannot log in, so every client names a user of spec.auth.users (local platform)'),
        users: z
          .array(aclUser)
          .default([])
          .superRefine((users, ctx) => {
            const seen = new Set<string>();
            for (const [i, u] of users.entries()) {
              if (seen.has(u.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate user "${u.name}"` });
              seen.add(u.name);
            }
          })
          .describe('ACL users created on every member, passwords generated (local platform)'),
      })
      .superRefine((auth, ctx) => {
        if (auth.defaultUser === 'off' && !auth.enabled)
          ctx.addIssue({ code: 'custom', path: ['defaultUser'], message: 'off needs spec.auth.enabled: true (without auth the default user is the only one)' });
        if (auth.defaultUser === 'off' && auth.users.length === 0)
          ctx.addIssue({ code: 'custom', path: ['defaultUser'], message: 'off needs at least one user in spec.auth.users, or no client could log in' });
      })
      .prefault({}),
    tls: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('members serve clients over TLS only (no plaintext port), with TLS replication and cluster bus; locally rck up generates a CA and certificates'),
        authClients: z.boolean().default(true).describe('tls-auth-clients: clients must present a certificate signed by the cluster CA'),
      })
      .prefault({})
      .describe('TLS on the client port, the replication link and the cluster bus'),
    redis: z.strictObject({ config: redisConfig }).prefault({}),
    local: localPlatform,
    kubernetes: kubernetesPlatform,
  })
  .prefault({})
  .superRefine((spec, ctx) => {
    const members = memberCount(spec);
    if (spec.local.portCount < members) {
      ctx.addIssue({
        code: 'custom',
        path: ['local', 'portCount'],
        message: `must be at least the member count ${members}, got ${spec.local.portCount}`,
      });
    }
    if (spec.local.basePort + spec.local.portCount - 1 > 55535) {
      ctx.addIssue({
        code: 'custom',
        path: ['local', 'portCount'],
        message: `range ${spec.local.basePort}..${spec.local.basePort + spec.local.portCount - 1} exceeds 55535 (bus port = port + 10000)`,
      });
    }
  });

export const redisClusterSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION).default(API_VERSION),
  kind: z.literal(KIND).default(KIND),
  metadata: z
    .strictObject({
      name: z
        .string()
        .regex(/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be a DNS label: lowercase letters, digits and -, at most 40 characters')
        .default('redis-app'),
      namespace: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
    })
    .prefault({}),
  spec: clusterSpecSchema,
});

export type RedisCluster = z.output<typeof redisClusterSchema>;
export type RedisClusterInput = z.input<typeof redisClusterSchema>;
export type ClusterSpec = RedisCluster['spec'];

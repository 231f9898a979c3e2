/**
 * redis.conf directives the system sets itself. A spec override of one of these
 * would break the platform's assumptions, so validation rejects it with the reason.
 */
export const OWNED_SETTINGS: Record<string, string> = {
  'cluster-enabled': 'rck runs Redis Cluster, so it is always yes',
  'cluster-config-file': "each member's nodes.conf lives in its volume, placed by the platform",
  port: 'the platform assigns each member its port (spec.local.basePort locally)',
  bind: 'members bind to the platform address (loopback locally)',
  'bind-source-addr': 'derived from spec.local.host',
  dir: "the platform places each member's data directory (its volume)",
  daemonize: 'members run in the foreground under the supervisor',
  supervised: 'members run in the foreground under the supervisor',
  logfile: 'the platform captures member logs (`rck logs <member>`)',
  pidfile: 'the platform tracks member processes itself',
  include: 'the rendered configuration must be self-contained',
  requirepass: 'use spec.auth; the password is generated and kept out of the spec',
  masterauth: 'use spec.auth; the password is generated and kept out of the spec',
  masteruser: 'use spec.auth',
  appendonly: 'use spec.persistence.enabled',
  'protected-mode': 'members are password protected and bound to the platform address',
  'cluster-announce-ip': 'the platform announces member addresses',
  'cluster-announce-port': 'the platform announces member addresses',
  'cluster-announce-bus-port': 'the platform announces member addresses',
  'cluster-port': 'the cluster bus is always port + 10000',
  unixsocket: 'members are reached over TCP only',
  'tls-port': 'TLS is not supported yet',
  replicaof: 'replication is managed by the cluster (placement)',
  slaveof: 'replication is managed by the cluster (placement)',
  'rename-command': 'the engine needs the CLUSTER, CONFIG and INFO commands',
};

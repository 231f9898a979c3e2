/**
 * How the keeper talks to the nodes of one cluster: who it is (user and password) and
 * how the link is secured (TLS). Built once where the cluster's secrets are known
 * (the CLI's flags, the local state directory, the operator's Secret) and handed as a
 * whole to every connection, so that a new option reaches every call site without any
 * of them changing. Nothing outside this file takes it apart, except where a credential
 * is itself an argument of a command (MIGRATE ... AUTH, which the source node uses to log
 * in to the target).
 */
import type { RedisOptions } from 'ioredis';

export interface ConnectionProfile {
  /** ACL user; the default user when absent. */
  readonly username?: string;
  readonly password?: string;
  /** CLIENT SETNAME for the keeper's connections, so CLIENT LIST shows who they are (rck, rck-supervisor, rck-operator). */
  readonly clientName?: string;
  /** TLS to the nodes; absent: plaintext. */
  readonly tls?: ProfileTls;
}

/**
 * TLS material: the contents for the Node client, and the files they were read from for
 * redis-cli (which takes paths). The server's certificate is verified against `ca` and its
 * address (a local member's certificate names its IP), or `serverName` when given.
 */
export interface ProfileTls {
  readonly ca: Buffer;
  /** Client certificate and key, for nodes with tls-auth-clients yes. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /**
   * The name every node's certificate must carry, checked instead of the address dialled
   * (and sent as SNI). On Kubernetes, pods' IPs change and one Secret serves every member:
   * the operator checks the client Service's name, `<name>.<namespace>.svc`.
   */
  readonly serverName?: string;
  /** Where the material came from, for redis-cli; absent when it came from elsewhere (the operator's Secret). */
  readonly files?: { readonly ca: string; readonly cert?: string; readonly key?: string };
}

/** The same profile with TLS on (or unchanged when `tls` is undefined). */
export function withTls(p: ConnectionProfile, tls: ProfileTls | undefined): ConnectionProfile {
  return tls ? { ...p, tls } : p;
}

/** Node's TLS options for a connection with this profile, or undefined for plaintext. */
export function tlsOptions(p: ConnectionProfile): { ca: Buffer; cert?: Buffer; key?: Buffer; servername?: string } | undefined {
  if (!p.tls) return undefined;
  return {
    ca: p.tls.ca,
    ...(p.tls.cert ? { cert: p.tls.cert } : {}),
    ...(p.tls.key ? { key: p.tls.key } : {}),
    ...(p.tls.serverName ? { servername: p.tls.serverName } : {}),
  };
}

/** No credentials: nodes without requirepass. */
export const OPEN_PROFILE: ConnectionProfile = Object.freeze({});

/** The profile of a cluster whose default user has this password (or none). */
export function passwordProfile(password: string | undefined, clientName?: string): ConnectionProfile {
  if (!password && !clientName) return OPEN_PROFILE;
  return { ...(password ? { password } : {}), ...(clientName ? { clientName } : {}) };
}

/** The AUTH command that logs this profile in, or undefined when it needs none. */
export function authCommand(p: ConnectionProfile): string[] | undefined {
  if (!p.password) return undefined;
  return p.username ? ['AUTH', p.username, p.password] : ['AUTH', p.password];
}

/** MIGRATE's credentials arguments: how the source node logs in to the target. */
export function migrateAuthArgs(p: ConnectionProfile): string[] {
  if (!p.password) return [];
  return p.username ? ['AUTH2', p.username, p.password] : ['AUTH', p.password];
}

/**
 * The same profile as options of an ioredis client the keeper does not hand-drive (the
 * workload's cluster client: give them as its `redisOptions`, which every node connection uses).
 */
export function clientOptions(p: ConnectionProfile): Pick<RedisOptions, 'username' | 'password' | 'connectionName' | 'tls'> {
  const tls = tlsOptions(p);
  return {
    ...(p.username ? { username: p.username } : {}),
    ...(p.password ? { password: p.password } : {}),
    ...(p.clientName ? { connectionName: p.clientName } : {}),
    ...(tls ? { tls } : {}),
  };
}

/**
 * redis-cli's arguments and environment for this profile: the password in the environment,
 * never the arguments (those show in ps); TLS as file paths (no secret in a path).
 */
export function redisCliAuth(p: ConnectionProfile): { args: string[]; env: Record<string, string> } {
  const args = p.username ? ['--user', p.username] : [];
  if (p.tls) {
    const f = p.tls.files;
    if (!f) throw new Error('redis-cli needs the TLS material as files: this profile has none');
    args.push('--tls', '--cacert', f.ca, ...(f.cert ? ['--cert', f.cert] : []), ...(f.key ? ['--key', f.key] : []));
  }
  return { args, env: p.password ? { REDISCLI_AUTH: p.password } : {} };
}

/** Whether connecting needs credentials (for messages and checks, never to rebuild options). */
export function hasCredentials(p: ConnectionProfile): boolean {
  return p.password !== undefined && p.password !== '';
}

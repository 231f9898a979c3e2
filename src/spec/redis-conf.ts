/**
 * Rendering redis.conf from the spec. Two parts, as on Kubernetes:
 * - the shared file (the ConfigMap): the seed's settings + spec overrides, no secrets;
 * - the per-member part (the pod): port, bind, data dir, password (the Secret).
 * The local platform writes the shared part to `redis.conf` and the member part to a
 * 0600 file that `include`s it, so the password never appears on a command line.
 */
import { closedUserLine } from './admission.js';
import { DEFAULT_USER_OFF_LINE, type KeeperPasswords, keeperUserLines } from './keeper-users.js';
import { OWNED_SETTINGS } from './owned-settings.js';
import { SEED_REDIS_CONFIG } from './members.js';
import type { ClusterSpec } from './schema.js';

/** Settings we add to the seed's for fast, correct local operation, with why. */
const RCK_DEFAULTS: Array<[string, string, string]> = [
  // Redis 7 delays a diskless full sync by 5 s to batch replicas; members start together
  // anyway, so a 5 s wait only delays readiness of every new replica.
  ['repl-diskless-sync-delay', '0', 'start replica full syncs at once (default 5 s delay)'],
];

export interface ConfLine {
  key: string;
  value: string;
}

/** The shared configuration (ConfigMap) as ordered directives. */
export function sharedConfig(spec: ClusterSpec): ConfLine[] {
  const lines = new Map<string, string>();
  lines.set('cluster-enabled', 'yes');
  for (const [k, v] of Object.entries(SEED_REDIS_CONFIG)) lines.set(k, v);
  lines.set('appendonly', spec.persistence.enabled ? 'yes' : 'no');
  // Without persistence, no RDB snapshots either: a restarted member comes back empty.
  if (!spec.persistence.enabled) {
    lines.set('save', '""');
    // A replica's full sync still writes dump.rdb; a member that crashes would reload that
    // stale copy and claim old values. Redis deletes it after the sync with this setting.
    lines.set('rdb-del-sync-files', 'yes');
  }
  for (const [k, v] of RCK_DEFAULTS) lines.set(k, v);
  for (const [k, v] of Object.entries(spec.redis.config)) {
    if (OWNED_SETTINGS[k]) continue; // validation already rejected these; never render them
    lines.set(k, renderValue(v));
  }
  return [...lines].map(([key, value]) => ({ key, value }));
}

export function renderValue(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  const s = String(v);
  if (s === '') return '""';
  return /[\s"'\\]/.test(s) ? JSON.stringify(s) : s;
}

export function renderSharedConf(spec: ClusterSpec, clusterName: string): string {
  const header = [
    `# redis.conf for cluster ${clusterName}, rendered by rck from the spec (the ConfigMap).`,
    '# Edit the spec, not this file: rck renders it again from the spec (on every `rck up`, and by the operator).',
  ];
  const notes = RCK_DEFAULTS.map(([k, , why]) => `# ${k}: ${why}`);
  return [...header, ...notes, ...sharedConfig(spec).map((l) => `${l.key} ${l.value}`), ''].join('\n');
}

/** What a line of the rendered configuration comes from: a spec field, or rck itself. */
export function sourceOf(spec: ClusterSpec, key: string): string {
  if (Object.hasOwn(spec.redis.config, key)) return `spec.redis.config.${key}`;
  if (key === 'appendonly' || (!spec.persistence.enabled && (key === 'save' || key === 'rdb-del-sync-files'))) return 'spec.persistence.enabled';
  return `rck's own ${key} setting`;
}

export interface CheckConf {
  /** The configuration as a member runs it, but serving only a unix socket in `dir`, standalone. */
  text: string;
  /** For line n (1-based) of `text`, sources[n - 1]: where that line comes from. */
  sources: string[];
}

/**
 * The shared configuration, then what a throwaway start needs to load it completely
 * (ACL users, modules, data files) without reaching anything outside `dir`: no TCP
 * listener (port 0), a unix socket in `dir`, and cluster mode off, else the cluster bus
 * would listen on port 0 + 10000. Later lines win, so these override the shared part.
 */
export function renderCheckConf(spec: ClusterSpec, dir: string): CheckConf {
  const shared = sharedConfig(spec);
  const own = [
    'port 0',
    `unixsocket ${quoteIfNeeded(`${dir}/check.sock`)}`,
    'unixsocketperm 700',
    'cluster-enabled no',
    `dir ${quoteIfNeeded(dir)}`,
    'daemonize no',
    // To stdout at notice level, where the start reports being ready.
    'logfile ""',
    'loglevel notice',
    'syslog-enabled no',
  ];
  // spec.auth.users with a placeholder password, so Redis judges their rules before any member starts.
  const users = spec.auth.users.map((u) => aclUserLine(u, 'rck-check', quoteIfNeeded));
  return {
    text: [...shared.map((l) => `${l.key} ${l.value}`), ...own, ...users, ''].join('\n'),
    sources: [...shared.map((l) => sourceOf(spec, l.key)), ...own.map(() => "rck's own check settings"), ...spec.auth.users.map((_, i) => `spec.auth.users[${i}].rules`)],
  };
}

export interface MemberConfInput {
  sharedConfPath: string;
  host: string;
  port: number;
  dataDir: string;
  password?: string;
  /** Start closed (spec/admission.ts): the default user may not sync, read or write. */
  closed?: boolean;
  /** spec.tls.enabled: the member's certificate files; absent, the member serves plaintext. */
  tls?: MemberTls;
  /** spec.auth.users with their generated passwords. */
  users?: Array<{ name: string; rules: string; password: string }>;
  /** rck's admin and replication users (spec/keeper-users.ts); absent: the keeper and replicas use the default user. */
  keeper?: KeeperPasswords;
  /** spec.auth.defaultUser: off. */
  defaultUserOff?: boolean;
}

export interface MemberTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  /** spec.tls.authClients: tls-auth-clients yes|no. */
  authClients: boolean;
}

/**
 * The TLS part of a member's conf: clients, replication and the cluster bus over TLS only,
 * on the member's port. The local member's file and the pods' `tls.conf` (ConfigMap) both.
 */
export function tlsLines(port: number, t: MemberTls): string[] {
  return [
    // No plaintext listener: the member's port is its TLS port, and the bus (tls-cluster) is that port + 10000.
    'port 0',
    `tls-port ${port}`,
    `tls-cert-file ${quoteIfNeeded(t.certFile)}`,
    `tls-key-file ${quoteIfNeeded(t.keyFile)}`,
    `tls-ca-cert-file ${quoteIfNeeded(t.caFile)}`,
    'tls-replication yes',
    'tls-cluster yes',
    `tls-auth-clients ${t.authClients ? 'yes' : 'no'}`,
  ];
}

/** The member's own file: includes the shared conf, then its address, volume and secret. */
export function renderMemberConf(m: MemberConfInput): string {
  const lines = [
    '# Member configuration rendered by rck (the pod): shared conf + address, volume, secret.',
    `include ${quoteIfNeeded(m.sharedConfPath)}`,
    ...(m.tls ? tlsLines(m.port, m.tls) : [`port ${m.port}`]),
    `bind ${m.host}`,
    'protected-mode yes',
    'daemonize no',
    // Logs go to stdout, which the supervisor sends to the member's log file (container logs).
    'logfile ""',
    `dir ${quoteIfNeeded(m.dataDir)}`,
    'cluster-config-file nodes.conf',
  ];
  // A member announces its address, so its own view (`myself` in CLUSTER NODES/SLOTS, which
  // clients read) follows it when it moves; by default Redis keeps the first IP it learned.
  lines.push(`cluster-announce-ip ${m.host}`);
  // Outgoing bus connections must leave from the member's own address, or peers learn
  // 127.0.0.1 instead (DESIGN.md: distinct loopback addresses).
  if (m.host !== '127.0.0.1') lines.push(`bind-source-addr ${m.host}`);
  if (m.defaultUserOff) lines.push(DEFAULT_USER_OFF_LINE);
  else if (m.closed) lines.push(closedUserLine(m.password, quoteIfNeeded));
  else if (m.password) lines.push(`requirepass ${quoteIfNeeded(m.password)}`);
  if (m.keeper) lines.push(...keeperUserLines(m.keeper, m.closed ?? false, quoteIfNeeded));
  else if (m.password) lines.push(`masterauth ${quoteIfNeeded(m.password)}`);
  for (const u of m.users ?? []) lines.push(aclUserLine(u, u.password, quoteIfNeeded, m.closed));
  return `${lines.join('\n')}\n`;
}

function quoteIfNeeded(s: string): string {
  return /[\s"'\\]/.test(s) ? JSON.stringify(s) : s;
}

/**
 * The redis.conf line that creates an ACL user (spec.auth.users) with its password. `off` while
 * the member starts closed (spec/admission.ts): a user that may write must not write to a
 * member held closed for its missing data; admitting the member turns the users on
 * (controller/act.ts). Kept here, apart from the users' zod schema (acl-users.ts), so the
 * supervisor renders confs without loading zod (about 40 ms before its first spawn).
 */
function aclUserLine(u: { name: string; rules: string }, password: string, quote: (s: string) => string, off = false): string {
  return `user ${u.name} ${off ? 'off' : 'on'} ${quote(`>${password}`)} ${u.rules.trim()}${off ? ' off' : ''}`.trimEnd();
}

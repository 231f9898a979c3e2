/** Options shared by the commands that talk to Redis nodes. */
import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { type NodeAddress, parseAddress } from '../redis/address.js';
import { type ConnectOptions, PASSWORD_ENV } from '../redis/connection.js';
import { type ConnectionProfile, type ProfileTls, passwordProfile, withTls } from '../redis/profile.js';
import { parseMillis } from './parse-values.js';
import { readFileSync } from 'node:fs';

/** Environment variables read for TLS when the flags are not given (`rck env` exports them for a local TLS cluster). */
export const TLS_ENV = { ca: 'RCK_CACERT', cert: 'RCK_CERT', key: 'RCK_KEY' } as const;

export interface TlsFlags {
  tls?: boolean;
  cacert?: string;
  cert?: string;
  key?: string;
}

/** Environment variable read for the ACL user when --user is not given (`rck env --user` exports it). */
export const USER_ENV = 'RCK_USER';

export interface ConnectionFlags extends TlsFlags {
  user?: string;
  password?: string;
  timeout: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return addTlsOptions(
    cmd
      .addOption(new Option('--user <name>', `ACL user to log in as (default: ${USER_ENV}, else the default user)`))
      .addOption(new Option('-a, --password <password>', `password of the nodes (prefer the ${PASSWORD_ENV} environment variable: arguments show in ps)`)),
  ).addOption(new Option('--timeout <ms>', 'per-node connect timeout in milliseconds').default('3000'));
}

/** redis-cli's TLS options. */
export function addTlsOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--tls', `connect over TLS (on when --cacert or ${TLS_ENV.ca} is given)`))
    .addOption(new Option('--cacert <file>', `CA certificate that signed the nodes' certificates (default: ${TLS_ENV.ca})`))
    .addOption(new Option('--cert <file>', `client certificate, for nodes with tls-auth-clients (default: ${TLS_ENV.cert})`))
    .addOption(new Option('--key <file>', `client certificate's private key (default: ${TLS_ENV.key})`));
}

export function connectionFrom(flags: ConnectionFlags): ConnectOptions {
  const profile = profileFrom(flags, flags.password ?? process.env[PASSWORD_ENV] ?? undefined, 'rck');
  const user = flags.user ?? (process.env[USER_ENV] || undefined);
  return { profile: user ? { ...profile, username: user } : profile, timeoutMs: parseMillis(flags.timeout, '--timeout') };
}

/** The connection profile of the flags (and the environment), for nodes given by address. */
export function profileFrom(flags: TlsFlags, password: string | undefined, clientName?: string): ConnectionProfile {
  return withTls(passwordProfile(password, clientName), tlsFrom(flags));
}

function tlsFrom(flags: TlsFlags): ProfileTls | undefined {
  const env = process.env;
  const files = { ca: flags.cacert ?? env[TLS_ENV.ca], cert: flags.cert ?? env[TLS_ENV.cert], key: flags.key ?? env[TLS_ENV.key] };
  if (!flags.tls && !files.ca) return undefined;
  if (!files.ca) throw new InputError(`--tls: give the CA certificate with --cacert <file> (or ${TLS_ENV.ca})`, { subject: '--cacert' });
  if (!files.cert !== !files.key) throw new InputError('--cert and --key go together: give both or neither', { subject: files.cert ? '--key' : '--cert' });
  const read = (file: string, flag: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new InputError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { subject: flag });
    }
  };
  return {
    ca: read(files.ca, '--cacert'),
    ...(files.cert && files.key ? { cert: read(files.cert, '--cert'), key: read(files.key, '--key') } : {}),
    files: { ca: files.ca, ...(files.cert && files.key ? { cert: files.cert, key: files.key } : {}) },
  };
}

export { parseCount, parseMillis } from './parse-values.js';

export function parseAddresses(texts: string[]): NodeAddress[] {
  return texts.map(parseAddress);
}

/** `--domain host:port=zone`, repeatable. */
export function collectDomain(value: string, previous: Map<string, string> = new Map()): Map<string, string> {
  const i = value.lastIndexOf('=');
  if (i <= 0 || i === value.length - 1) throw new InputError(`--domain: invalid value "${value}": expected host:port=domain`);
  const addr = parseAddress(value.slice(0, i));
  previous.set(`${addr.host}:${addr.port}`, value.slice(i + 1));
  return previous;
}

import { Redis } from 'ioredis';
import { NodeCheckError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress } from './address.js';
import { type ConnectionProfile, authCommand, tlsOptions } from './profile.js';

export interface ConnectOptions {
  /** Who the keeper is to the nodes (redis/profile.ts); none: nodes without a password. */
  profile?: ConnectionProfile;
  /** Connect and per-command timeout. */
  timeoutMs?: number;
  /** Per-command timeout when it must differ from 4 x timeoutMs (long MIGRATE pipelines). */
  commandTimeoutMs?: number;
}

/** Environment variable read for the password when --password is not given. */
export const PASSWORD_ENV = 'RCK_PASSWORD';

/**
 * Opens one connection to one node and proves it works (AUTH + PING).
 * No reconnects and no offline queue: the engine wants a fast, honest failure.
 * Errors name the node and never contain a credential.
 */
export async function connectNode(addr: NodeAddress, opts: ConnectOptions = {}): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const tls = opts.profile ? tlsOptions(opts.profile) : undefined;
  const client = new Redis({
    host: addr.host,
    port: addr.port,
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: opts.commandTimeoutMs ?? timeoutMs * 4,
    enableReadyCheck: false,
    // The client arms this timer even for a socket that already closed; keep exits prompt.
    disconnectTimeout: 200,
  });
  // The client reports socket failures (ECONNREFUSED...) as events and rejects
  // connect() with a generic "Connection is closed"; keep the real cause.
  let socketError: unknown;
  client.on('error', (err) => {
    socketError ??= err;
  });
  const where = formatAddress(addr);
  try {
    await client.connect();
    // AUTH by hand rather than through the client's connect handshake, which
    // hides the server's reply behind "Connection is closed".
    const auth = opts.profile ? authCommand(opts.profile) : undefined;
    if (auth) await client.call(auth[0]!, ...auth.slice(1));
    // Named after AUTH (the client's own connectionName would be sent before it, and refused);
    // sent with the PING in one round trip.
    const name = opts.profile?.clientName;
    await Promise.all([name ? client.call('CLIENT', 'SETNAME', name) : undefined, client.ping()]);
  } catch (err) {
    client.disconnect();
    const cause = /Connection is closed/.test(errorText(err)) && socketError ? socketError : err;
    throw new NodeCheckError(`${where}: ${describeConnectError(cause)}`, { subject: where });
  }
  return client;
}

function describeConnectError(err: unknown): string {
  const text = errorText(err);
  if (/WRONGPASS|invalid username-password/i.test(text)) return 'wrong password';
  if (/NOAUTH/i.test(text)) return 'password required (use --password or RCK_PASSWORD)';
  if (/without any password configured|AUTH <password> called without/i.test(text)) {
    return 'a password was given but the node has none configured';
  }
  if (/ECONNREFUSED/.test(text)) return 'connection refused (is redis-server running on this port?)';
  if (/certificate|self[- ]signed|UNABLE_TO_VERIFY|ERR_TLS|SSL routines|alert/i.test(text)) return `TLS: ${tlsReason(text)} (check --cacert, --cert and --key)`;
  if (/ECONNRESET|socket hang up/.test(text)) return `${text} (does the node serve TLS? try --tls)`;
  if (/ETIMEDOUT|timed out|timeout/i.test(text)) return 'connection timed out';
  if (/EHOSTUNREACH|ENETUNREACH/.test(text)) return 'host unreachable';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'host name does not resolve';
  return text;
}

/** OpenSSL's reason without its error-stack noise: "...:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/..." -> "tlsv13 alert certificate required". */
function tlsReason(text: string): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(text);
  return (m ? m[1]! : text).split('\n')[0]!.trim();
}

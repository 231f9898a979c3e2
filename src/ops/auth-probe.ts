/**
 * Connects to a node the way a replica of it would (AUTH with masteruser/masterauth when
 * masterauth is set, nothing otherwise, then PING) and returns the server's refusal, or
 * undefined when it lets the replica in. Never includes the password.
 */
import { Redis } from 'ioredis';
import { errorText } from '../errors.js';
import type { NodeAddress } from '../redis/address.js';

export async function replicaAuthRefusal(addr: NodeAddress, user: string, password: string, timeoutMs = 3000): Promise<string | undefined> {
  const c = new Redis({
    host: addr.host,
    port: addr.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableReadyCheck: false,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    // A replica sends AUTH only when masterauth is set (masteruser alone is ignored).
    if (password) await (user ? c.call('AUTH', user, password) : c.call('AUTH', password));
    await c.ping();
    return undefined;
  } catch (err) {
    // Only the server's refusal counts: an unreachable node is reported by other checks.
    const text = errorText(err);
    return /WRONGPASS|NOAUTH|NOPERM|AUTH|password/i.test(text) ? text : undefined;
  } finally {
    c.disconnect();
  }
}

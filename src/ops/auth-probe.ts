/**
 * Connects to a node the way a replica of it would (AUTH with masteruser/masterauth when
 * masterauth is set, nothing otherwise, then PING) and returns the server's refusal, or
 * undefined when it lets the replica in. Never includes the password.
 */
import { errorText } from '../errors.js';
import type { NodeAddress } from '../redis/address.js';
import { connectNode } from '../redis/connection.js';
import type { ConnectionProfile } from '../redis/profile.js';

/**
 * `keeper`: the keeper's own profile, for how the link is made (a replica's link is made the
 * same way); its credentials are replaced by the replica's.
 */
export async function replicaAuthRefusal(addr: NodeAddress, keeper: ConnectionProfile, user: string, password: string, timeoutMs = 3000): Promise<string | undefined> {
  // A replica sends AUTH only when masterauth is set (masteruser alone is ignored).
  // No client name either: a replica sends no CLIENT SETNAME, and its user may not run it.
  const asReplica: ConnectionProfile = { ...keeper, username: password && user ? user : undefined, password: password || undefined, clientName: undefined };
  try {
    const c = await connectNode(addr, { profile: asReplica, timeoutMs });
    c.disconnect();
    return undefined;
  } catch (err) {
    // Only the server's refusal counts: an unreachable node is reported by other checks.
    const text = errorText(err).replace(/^[^ ]+: /, '');
    return /WRONGPASS|NOAUTH|NOPERM|AUTH|password/i.test(text) ? text : undefined;
  }
}

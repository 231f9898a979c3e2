/**
 * Reads the settings `create` judges (plan/create-settings.ts) and proves each node's
 * replication credentials on the other nodes, as a replica would present them: AUTH
 * with masteruser/masterauth, then whether that user may run PSYNC. Nothing changes.
 */
import { type NodeAddress, formatAddress } from '../redis/address.js';
import type { NodePool } from '../redis/pool.js';
import { type NodeSettings, settingProblems } from '../plan/create-settings.js';
import { type ConnectionProfile, OPEN_PROFILE, hasCredentials } from '../redis/profile.js';
import { replicaAuthRefusal } from './auth-probe.js';

export interface SettingsCheck {
  replicasPerMaster: number;
  /** The profile create connects with. */
  profile?: ConnectionProfile;
  timeoutMs?: number;
}

interface ReadSettings extends NodeSettings {
  address: NodeAddress;
  /** Kept in memory for the probe; never printed. */
  masterauthValue: string;
}

/** Problems with the nodes' settings, one line each naming node and setting; [] when none. Unreachable nodes are skipped (reported elsewhere). */
export async function settingsProblems(pool: NodePool, addrs: NodeAddress[], check: SettingsCheck): Promise<string[]> {
  const read = (await Promise.all(addrs.map((a) => readSettings(pool, a).catch(() => undefined)))).filter((s): s is ReadSettings => s !== undefined);
  const problems = settingProblems(read, check.replicasPerMaster, hasCredentials(check.profile ?? OPEN_PROFILE));
  problems.push(...(await credentialProblems(pool, read, check)));
  return problems;
}

async function readSettings(pool: NodePool, address: NodeAddress): Promise<ReadSettings> {
  const c = await pool.get(address);
  const get = async (name: string) => ((await c.config('GET', name)) as string[])[1] ?? '';
  const [requirepass, masterauth, masteruser, minReplicas] = await Promise.all(['requirepass', 'masterauth', 'masteruser', 'min-replicas-to-write'].map(get));
  return {
    address,
    node: formatAddress(address),
    requirepass: requirepass !== '',
    masterauth: masterauth !== '',
    masterauthValue: masterauth!,
    masteruser: masteruser!,
    minReplicasToWrite: Number(minReplicas) || 0,
  };
}

/** Groups nodes by the credentials they would replicate with, and tries each group's on every node. */
async function credentialProblems(pool: NodePool, nodes: ReadSettings[], check: SettingsCheck): Promise<string[]> {
  const groups = new Map<string, ReadSettings[]>();
  for (const n of nodes) {
    // Without masterauth a replica sends no AUTH (masteruser is ignored): judged by settingProblems.
    if (!n.masterauth) continue;
    const key = JSON.stringify([n.masteruser, n.masterauthValue]);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  const problems: string[] = [];
  for (const members of groups.values()) {
    const { masteruser, masterauthValue } = members[0]!;
    const who = members.map((m) => m.node).join(', ');
    const what = masteruser ? `masteruser ${masteruser} with its masterauth` : 'masterauth';
    // The default user with the password create itself authenticated with needs no probe.
    const p = check.profile ?? OPEN_PROFILE;
    const known = !masteruser && !p.username && p.password !== undefined && masterauthValue === p.password;
    const results = await Promise.all(
      nodes.map(async (m) => {
        const refused = known ? undefined : await replicaAuthRefusal(m.address, p, masteruser, masterauthValue, check.timeoutMs);
        if (refused) return `${who}: ${what} is refused by ${m.node}: ${refused}`;
        const denied = await psyncDenied(pool, m.address, masteruser || 'default');
        return denied ? `${who}: ${masteruser ? `masteruser ${masteruser}` : 'the default user'} may not run PSYNC on ${m.node}: ${denied}` : undefined;
      }),
    );
    // One line per kind of refusal is enough: the nodes usually share their settings.
    const first = results.find((r) => r !== undefined);
    if (first) {
      const others = results.filter((r) => r !== undefined).length - 1;
      problems.push(others > 0 ? `${first} (and by ${others} other node(s))` : first);
    }
  }
  return problems;
}

/** ACL DRYRUN of the replica's PSYNC on the would-be master: its reason when denied. */
async function psyncDenied(pool: NodePool, addr: NodeAddress, user: string): Promise<string | undefined> {
  try {
    const c = await pool.get(addr);
    const reply = String(await c.call('ACL', 'DRYRUN', user, 'PSYNC', '?', '-1'));
    return reply === 'OK' ? undefined : reply;
  } catch {
    return undefined; // no ACL DRYRUN (or not allowed to us): nothing to judge by
  }
}

/**
 * The keeper's own ACL users (issue 15): with spec.auth on, rck logs in as `rck-admin` and
 * replicas log in to their masters as `rck-replication` (masteruser), so neither uses the
 * default user, which clients may share, and which spec.auth.defaultUser can turn off.
 *
 * Both take part in admission (spec/admission.ts): a member that starts closed has its
 * admin user without @read/@write/PSYNC (the keeper still sees it and acts through the bus
 * and CLUSTER commands) and its replication user off (no replica can sync an empty dataset
 * from it). Admitting opens the admin user last, because its rules are what the keeper
 * reads to tell a closed member (topology/observe.ts): a half-done admission is redone.
 */
import { type ConnectionProfile, passwordProfile } from '../redis/profile.js';
import { CLOSED_USER_RULES } from './admission.js';

export const ADMIN_USER = 'rck-admin';
export const REPLICATION_USER = 'rck-replication';
/** Names spec.auth.users cannot take. */
export const RESERVED_USERS: readonly string[] = ['default', ADMIN_USER, REPLICATION_USER];

/** What a replica sends its master: PING, AUTH, REPLCONF, PSYNC (Redis's documented replica user). */
export const REPLICATION_RULES = 'resetchannels -@all +psync +replconf +ping';
/** The admin user's rules while its member is open. */
export const ADMIN_RULES = '~* &* +@all';

/** How the keeper logs in with rck-admin's password. */
export function adminProfile(password: string, clientName: string): ConnectionProfile {
  return { ...passwordProfile(password, clientName), username: ADMIN_USER };
}

export interface KeeperPasswords {
  admin: string;
  replication: string;
}

/** The conf lines of the keeper's users and of masteruser/masterauth. */
export function keeperUserLines(p: KeeperPasswords, closed: boolean, quote: (s: string) => string): string[] {
  return [
    `user ${ADMIN_USER} on ${quote(`>${p.admin}`)} ${closed ? CLOSED_USER_RULES : ADMIN_RULES}`,
    `user ${REPLICATION_USER} ${closed ? 'off' : 'on'} ${quote(`>${p.replication}`)} ${REPLICATION_RULES}`,
    `masteruser ${REPLICATION_USER}`,
    `masterauth ${quote(p.replication)}`,
  ];
}

/** The default user turned off (spec.auth.defaultUser: off): no password, no command, no login. */
export const DEFAULT_USER_OFF_LINE = 'user default off resetpass resetkeys resetchannels -@all';

/**
 * ACL SETUSER arguments that open a closed member, in order: the default user (unless it is
 * off), the replication user, spec.auth.users, and the admin user last. `existing` is the
 * member's ACL USERS: a user it lacks is not created here.
 */
export function admitSteps(existing: readonly string[], opts: { defaultUserOn: boolean; users: readonly string[] }): string[][] {
  const has = new Set(existing);
  const steps: string[][] = [];
  if (opts.defaultUserOn && has.has('default')) steps.push(['default', '+@all']);
  if (has.has(REPLICATION_USER)) steps.push([REPLICATION_USER, 'on']);
  for (const u of opts.users) if (has.has(u)) steps.push([u, 'on']);
  if (has.has(ADMIN_USER)) steps.push([ADMIN_USER, '+@all']);
  return steps;
}

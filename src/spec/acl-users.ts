/**
 * spec.auth.users: ACL users rck creates on every member, each with a password rck generates
 * (never in the spec). Rendered as `user` lines of the member's own conf (0600), so a member
 * has them from its first start, including members added later.
 */
import { z } from 'zod';
import { RESERVED_USERS } from './keeper-users.js';

/** Rule tokens that set or drop passwords, or reset the user: rck owns the password. */
const PASSWORD_TOKEN = /^([<>#!]|nopass$|resetpass$|reset$)/;

export const aclUser = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
      .refine((n) => n !== 'default', 'the default user is spec.auth.enabled and spec.auth.defaultUser')
      .refine((n) => !RESERVED_USERS.includes(n), "is one of rck's own users (rck-admin, rck-replication)")
      .describe('ACL user name; its password is generated (locally <state dir>/users/<name>, 0600)'),
    rules: z
      .string()
      .regex(/^[^\r\n]*$/, 'must be one line')
      .refine((r) => !r.split(/\s+/).some((t) => PASSWORD_TOKEN.test(t)), 'must not set passwords (>, <, #, !, nopass, resetpass, reset): rck generates them')
      .describe('ACL SETUSER rules, e.g. "~* +@read" for a read-only user; "on" is implied'),
    passwordSecret: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a Secret name (lowercase letters, digits, - and .)')
      .optional()
      .describe('Kubernetes: an existing Secret in the namespace whose key "password" is the password; without it the operator generates Secret <cluster>-user-<name>'),
  })
  .describe('an ACL user');

export type AclUser = z.output<typeof aclUser>;

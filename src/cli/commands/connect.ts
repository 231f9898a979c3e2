/**
 * `rck env` and `rck connect`: reach the local cluster with a client without the
 * password ever appearing on screen, in ps, or in shell history.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { readLocalStatus } from '../../platform/local/local-status.js';
import { checkMemberName, noSuchUser, requireLocalCluster } from '../../platform/local/resolve.js';
import { PASSWORD_ENV } from '../../redis/connection.js';
import { clientBinaryBeside, resolveServerBinary } from '../../platform/local/server-binary.js';
import { printLine } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';
import { redisCliAuth } from '../../redis/profile.js';
import { TLS_ENV, USER_ENV } from '../options.js';
import { ADMIN_USER } from '../../spec/keeper-users.js';

export function registerConnect(program: Command): void {
  addLocalOptions(
    program
      .command('env')
      .description(
        `print shell exports for clients: REDISCLI_AUTH (redis-cli) and ${PASSWORD_ENV} (rck) read from the 0600 secret file, never printed, and with TLS the certificate paths (${TLS_ENV.ca}, ${TLS_ENV.cert}, ${TLS_ENV.key}); use: eval "$(rck env)"`,
      ),
    false,
  )
    .option('--user <name>', `export this ACL user's credentials (spec.auth.users, or ${ADMIN_USER} for rck's engine commands) instead of the default user's`)
    .action(async (flags: LocalTargetFlags & { user?: string }) => {
      const t = await requireLocalCluster(flags);
      const user = flags.user;
      const keeper = await t.state.keeperPasswords(t.cluster);
      const known = [...t.cluster.spec.auth.users.map((u) => u.name), ...(keeper ? [ADMIN_USER] : [])];
      if (user !== undefined && !known.includes(user)) throw noSuchUser(t, user, known);
      if (user === undefined && t.cluster.spec.auth.defaultUser === 'off') {
        throw new InputError(`cluster ${t.cluster.metadata.name} has its default user off (spec.auth.defaultUser): choose one with --user (users: ${known.join(', ')})`, {
          subject: '--user',
        });
      }
      const status = await readLocalStatus(t, await t.state.profile(t.cluster));
      const first = status.members.find((m) => m.up) ?? status.members[0];
      const secretFile =
        user === ADMIN_USER ? t.state.keeperFile(ADMIN_USER) : user !== undefined ? t.state.userFile(user) : t.cluster.spec.auth.enabled ? t.state.secretFile : undefined;
      if (secretFile) {
        const read = `"$(cat ${shellQuote(secretFile)})"`;
        printLine(`export REDISCLI_AUTH=${read}`);
        printLine(`export ${PASSWORD_ENV}=${read}`);
      }
      printLine(user !== undefined ? `export ${USER_ENV}=${shellQuote(user)}` : `unset ${USER_ENV}`);
      // TLS: the files' paths (never their contents), for rck (connection options read them) and redis-cli's flags.
      const tls = t.cluster.spec.tls.enabled ? t.state.tls : undefined;
      if (tls) {
        printLine(`export ${TLS_ENV.ca}=${shellQuote(tls.ca.cert)}`);
        printLine(`export ${TLS_ENV.cert}=${shellQuote(tls.client.cert)}`);
        printLine(`export ${TLS_ENV.key}=${shellQuote(tls.client.key)}`);
      }
      if (first) {
        const [host, port] = [first.address.slice(0, first.address.lastIndexOf(':')), first.address.slice(first.address.lastIndexOf(':') + 1)];
        const tlsArgs = tls ? ` --tls --cacert "$${TLS_ENV.ca}" --cert "$${TLS_ENV.cert}" --key "$${TLS_ENV.key}"` : '';
        printLine(`export RCK_NODE=${first.address}`);
        const userArg = user !== undefined ? ` --user "$${USER_ENV}"` : '';
        printLine(`# then: redis-cli -c -h ${host} -p ${port}${userArg}${tlsArgs}    or: rck status`);
      }
    });

  addLocalOptions(
    program
      .command('connect')
      .description('open redis-cli in cluster mode (-c) on a member; the password is passed in its environment, not its arguments')
      .argument('[member]', 'member to connect to (default: the first one up)')
      .argument('[args...]', 'extra redis-cli arguments, after --, e.g. -- GET key'),
    false,
  ).action(async (member: string | undefined, args: string[], flags: LocalTargetFlags) => {
    const t = await requireLocalCluster(flags, member);
    if (member) checkMemberName(t, member);
    const profile = await t.state.profile(t.cluster);
    const status = await readLocalStatus(t, profile);
    const auth = redisCliAuth(profile);
    const m = member ? status.members.find((x) => x.name === member) : status.members.find((x) => x.up);
    if (!m || !m.up) throw new InputError(`${member ?? t.cluster.metadata.name}: no member is up to connect to`);
    const i = m.address.lastIndexOf(':');
    // The client beside the members' server (valkey-cli reads REDISCLI_AUTH too).
    const cli = clientBinaryBeside(await resolveServerBinary(t.cluster.spec.local.serverBinary));
    const child = spawn(cli, ['-c', '-h', m.address.slice(0, i), '-p', m.address.slice(i + 1), ...auth.args, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...auth.env },
    });
    const code = await new Promise<number>((resolve) => {
      child.once('exit', (c) => resolve(c ?? 1));
      child.once('error', () => resolve(127));
    });
    if (code === 127) throw new InputError(`${cli} not found${cli.includes('/') ? '' : ' on PATH'}`);
    process.exitCode = code;
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `rck kill` and `rck restart`: act on one member through the running supervisor. */
import type { Command } from 'commander';
import { type NotRunningError, callControl } from '../../platform/local/control.js';
import { checkMemberName, requireLocalCluster } from '../../platform/local/resolve.js';
import type { Member } from '../../platform/platform.js';
import { formatAddress } from '../../redis/address.js';
import { InputError, OperationError } from '../../errors.js';
import { printLine } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

export function registerMemberCommands(program: Command): void {
  addLocalOptions(
    program
      .command('kill')
      .description(
        'kill a member at once (SIGKILL, like deleting its pod): the supervisor re-creates it with the same volume on a NEW address',
      )
      .argument('<member>', 'member name, e.g. redis-app-0'),
    false,
  ).action(async (member: string, flags: LocalTargetFlags) => {
    const t = await requireLocalCluster(flags, member);
    checkMemberName(t, member);
    await control(t.state.controlSocket, { op: 'kill', member }, t.cluster.metadata.name);
    printLine(`${member} killed; the supervisor re-creates it with its volume on a new address (see \`rck status\`)`);
  });

  addLocalOptions(
    program
      .command('restart')
      .description('restart a member gracefully (SIGTERM, Redis saves), on the same address unless --new-address')
      .argument('<member>', 'member name, e.g. redis-app-0')
      .option('--new-address', 'come back on a new port, as a re-created pod gets a new IP')
      .option('--host <127.x.y.z>', 'with --new-address: also move to another loopback address (Linux; uses bind-source-addr)'),
    false,
  ).action(async (member: string, flags: LocalTargetFlags & { newAddress?: boolean; host?: string }) => {
    if (flags.host && !flags.newAddress) throw new InputError('--host needs --new-address');
    const t = await requireLocalCluster(flags, member);
    checkMemberName(t, member);
    const m = await control<Member>(t.state.controlSocket, { op: 'restart', member, newAddress: flags.newAddress, host: flags.host }, t.cluster.metadata.name);
    printLine(`${member} restarted on ${formatAddress(m.address)}`);
  });
}

async function control<T>(socket: string, req: Parameters<typeof callControl>[1], cluster: string): Promise<T> {
  try {
    return await callControl<T>(socket, req, 60_000);
  } catch (err) {
    if ((err as NotRunningError).reason !== undefined) {
      throw new OperationError(`cluster ${cluster} is not running (no supervisor)`, { hint: 'start it with `rck up`' });
    }
    throw err;
  }
}

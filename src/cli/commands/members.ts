/** `rck kill`, `restart`, `stop`, `start` and `rollout restart`: act on members through the running supervisor. */
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
      .description('kill a member at once (SIGKILL, like deleting its pod): the supervisor re-creates it with the same volume on a NEW address')
      .argument('<member>', 'member name, e.g. redis-app-0')
      .option('--lose-volume', 'also delete its volume, as deleting the pod with its PVC does: it comes back empty and the controller rejoins it as a replica'),
    false,
  ).action(async (member: string, flags: LocalTargetFlags & { loseVolume?: boolean }) => {
    const t = await requireLocalCluster(flags, member);
    checkMemberName(t, member);
    await control(t.state.controlSocket, { op: 'kill', member, loseVolume: flags.loseVolume }, t.cluster.metadata.name);
    printLine(`${member} killed; the supervisor re-creates it ${flags.loseVolume ? 'with an EMPTY volume' : 'with its volume'} on a new address (see \`rck status\`)`);
  });

  addLocalOptions(
    program
      .command('restart')
      .description('restart a member gracefully (SIGTERM, Redis saves), on the same address unless --new-address')
      .argument('<member>', 'member name, e.g. redis-app-0')
      .option('--new-address', 'come back on a new port, as a re-created pod gets a new IP')
      .option('--host <127.x.y.z>', 'with --new-address: also move to another loopback address (Linux; uses bind-source-addr)')
      .option('--no-handover', 'restart a master without first handing its slots to an in-sync replica (its slots are down until it is back)'),
    false,
  ).action(async (member: string, flags: LocalTargetFlags & { newAddress?: boolean; host?: string; handover: boolean }) => {
    if (flags.host && !flags.newAddress) throw new InputError('--host needs --new-address');
    const t = await requireLocalCluster(flags, member);
    checkMemberName(t, member);
    const m = await control<Member>(
      t.state.controlSocket,
      { op: 'restart', member, newAddress: flags.newAddress, host: flags.host, noHandover: !flags.handover },
      t.cluster.metadata.name,
    );
    printLine(`${member} restarted on ${formatAddress(m.address)}`);
  });

  for (const [name, op, what] of [
    ['stop', 'stop-member', 'stop a member gracefully and keep it stopped (maintenance; the controller heals around it); `rck start` brings it back'],
    ['start', 'start-member', 'start a member stopped with `rck stop`, with its volume'],
  ] as const) {
    addLocalOptions(program.command(name).description(what).argument('<member>', 'member name, e.g. redis-app-0'), false).action(
      async (member: string, flags: LocalTargetFlags) => {
        const t = await requireLocalCluster(flags, member);
        checkMemberName(t, member);
        const m = await control<Member>(t.state.controlSocket, { op, member }, t.cluster.metadata.name);
        printLine(`${member} ${name === 'stop' ? 'stopped' : `started on ${formatAddress(m.address)}`}`);
      },
    );
  }

  const rollout = program.command('rollout').description('rolling operations over every member');
  addLocalOptions(
    rollout
      .command('restart')
      .description('restart every member one at a time: replicas first, then each master after handing its slots to an in-sync replica; waits for health between steps'),
    false,
  ).action(async (flags: LocalTargetFlags) => {
    const t = await requireLocalCluster(flags);
    const r = await control<{ restarted: string[] }>(t.state.controlSocket, { op: 'rollout-restart' }, t.cluster.metadata.name, 30 * 60_000);
    printLine(`rolled out: ${r.restarted.join(', ')} restarted, cluster healthy`);
  });
}

async function control<T>(socket: string, req: Parameters<typeof callControl>[1], cluster: string, timeoutMs = 60_000): Promise<T> {
  try {
    return await callControl<T>(socket, req, timeoutMs);
  } catch (err) {
    if ((err as NotRunningError).reason !== undefined) {
      throw new OperationError(`cluster ${cluster} is not running (no supervisor)`, { hint: 'start it with `rck up`' });
    }
    throw err;
  }
}

/** `rck status` without --node: the local cluster's members, roles and health. */
import { type LocalStatus, readLocalStatus } from '../../platform/local/local-status.js';
import { requireLocalCluster } from '../../platform/local/resolve.js';
import type { Command } from 'commander';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';
import { printJson, printLine, renderTable } from '../output.js';

export async function localStatusAction(flags: LocalTargetFlags & { json?: boolean }): Promise<void> {
  const target = await requireLocalCluster(flags);
  const status = await readLocalStatus(target, await target.state.password(target.cluster));
  if (flags.json) {
    printJson(status);
  } else {
    printMembers(status);
    printLine(status.health.healthy ? 'health: ok' : `health: degraded: ${status.health.problems.join('; ')}`);
    printLine(status.supervisor ? `supervisor: pid ${status.supervisor.pid} (${status.supervisor.phase})` : 'supervisor: not running (`rck up` starts it)');
  }
  if (!status.health.healthy) process.exitCode = 1;
}

export function printMembers(s: LocalStatus): void {
  const rows = s.members.map((m) => [
    m.name,
    m.address,
    m.up ? (m.role ?? '?') : '-',
    m.master ?? '',
    m.slots || '',
    m.up ? m.keys : '',
    m.role === 'replica' ? (m.linkUp ? 'up' : 'down') : '',
    m.up ? 'Running' : m.phase,
    m.restarts,
    m.domain,
  ]);
  printLine(renderTable(['MEMBER', 'ADDRESS', 'ROLE', 'MASTER', 'SLOTS', 'KEYS', 'LINK', 'STATE', 'RESTARTS', 'DOMAIN'], rows));
}

/**
 * Registers `rck status` for the local cluster. Interim: when the engine's `status --node`
 * lands, its command calls `localStatusAction` when no --node is given and this goes away.
 */
export function registerLocalStatus(program: Command): void {
  addLocalOptions(
    program
      .command('status')
      .description('members of the local cluster: name, address, role, master, slots, keys, replication link, health (exit 1 when degraded)')
      .option('--json', 'print one JSON object: {cluster, health, supervisor, members: [{name, address, role, ...}]}'),
    false,
  ).action((flags: LocalTargetFlags & { json?: boolean }) => localStatusAction(flags));
}

/** `rck status` without --node: the local cluster's members, roles and health. */
import { type LocalStatus, readLocalStatus } from '../../platform/local/local-status.js';
import { printMemberRows } from './member-rows.js';
import { requireLocalCluster } from '../../platform/local/resolve.js';
import type { LocalTargetFlags } from './local-options.js';
import { printJson, printLine } from '../output.js';

export async function localStatusAction(flags: LocalTargetFlags & { json?: boolean }): Promise<void> {
  const target = await requireLocalCluster(flags);
  const status = await readLocalStatus(target, await target.state.profile(target.cluster));
  if (flags.json) {
    printJson(status);
  } else {
    printMembers(status);
    printLine();
    for (const c of status.conditions) printLine(`${c.type.padEnd(9)}${c.status.padEnd(6)}${c.reason}: ${c.message}`);
    printLine(status.health.healthy ? 'health: ok' : `health: degraded: ${firstOf(status.health.problems)}`);
    for (const w of (status.health.warnings ?? []).slice(0, SHOWN)) printLine(`warning: ${w}`);
    const moreWarnings = (status.health.warnings?.length ?? 0) - SHOWN;
    if (moreWarnings > 0) printLine(`(${moreWarnings} more warnings: rck status --json)`);
    printLine(status.supervisor ? `supervisor: pid ${status.supervisor.pid} (${status.supervisor.phase})` : 'supervisor: not running (`rck up` starts it)');
    if (status.http) printLine(`http: ${status.http} (metrics: ${status.http}/metrics)`);
  }
  if (!status.health.healthy) process.exitCode = 1;
}

function printMembers(s: LocalStatus): void {
  printMemberRows(s.members);
}

/** A slot move in flight makes one problem per open slot: show the first few (--json has them all). */
const SHOWN = 5;

function firstOf(problems: string[]): string {
  const more = problems.length - SHOWN;
  return problems.slice(0, SHOWN).join('; ') + (more > 0 ? `; and ${more} more (rck status --json)` : '');
}

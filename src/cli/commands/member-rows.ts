/** The members table of `rck status` and `rck up`: light, so `up` loads it while the members start. */
import type { MemberStatus } from '../../platform/local/member-status.js';
import { printLine, renderTable } from '../output.js';

export function printMemberRows(members: MemberStatus[]): void {
  const rows = members.map((m) => [
    m.name,
    m.address,
    m.up ? (m.role ?? '?') : '-',
    m.master ?? '',
    m.slots || '',
    m.up ? (m.closed ? '-' : m.keys) : '',
    m.role === 'replica' ? (m.linkUp ? 'up' : 'down') : '',
    m.up ? (m.closed ? 'Closed' : 'Running') : m.phase,
    m.restarts,
    m.domain,
  ]);
  printLine(renderTable(['MEMBER', 'ADDRESS', 'ROLE', 'MASTER', 'SLOTS', 'KEYS', 'LINK', 'STATE', 'RESTARTS', 'DOMAIN'], rows));
}

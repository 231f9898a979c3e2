/** `rck events`: what happened to the local cluster, and what the controller did about it. */
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { DATA_LOSS_ACKNOWLEDGED, dataLossCondition } from '../../controller/data-loss.js';
import { EventLog, readEvents } from '../../controller/event-log.js';
import { resolveLocalCluster } from '../../platform/local/resolve.js';
import { printJson, printLine, renderTable } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

export function registerEvents(program: Command): void {
  addLocalOptions(
    program
      .command('events')
      .description('list events of the local cluster: time, type, member, reason and message (members restarted, failovers, repairs)')
      .option('-n, --limit <n>', 'show the last n events', '50')
      .option('--warnings', 'only warnings (possible data loss, failed actions, crashes)')
      .option('--json', 'print a JSON list')
      .option('--ack-data-loss', 'acknowledge every DataLoss event so far: the DataLoss condition turns False (the events stay)'),
    false,
  ).action(async (flags: LocalTargetFlags & { limit: string; warnings?: boolean; json?: boolean; ackDataLoss?: boolean }) => {
    const t = await resolveLocalCluster(flags);
    if (flags.ackDataLoss) {
      const open = dataLossCondition(await readEvents(t.state.eventsFile));
      await new EventLog(t.state.eventsFile).record({
        time: new Date().toISOString(),
        type: 'Normal',
        reason: DATA_LOSS_ACKNOWLEDGED,
        message: `acknowledged by ${userInfo().username}`,
        member: t.cluster.metadata.name,
        source: 'user',
      });
      return printLine(open.status === 'True' ? `acknowledged: ${open.message.split(';')[0]}` : 'no unacknowledged data loss; recorded the acknowledgement anyway');
    }
    let rows = await readEvents(t.state.eventsFile);
    if (flags.warnings) rows = rows.filter((r) => r.type === 'Warning');
    rows = rows.slice(-Math.max(1, Number(flags.limit) || 50));
    if (flags.json) return printJson(rows);
    if (rows.length === 0) return printLine('no events');
    printLine(
      renderTable(
        ['TIME', 'TYPE', 'MEMBER', 'REASON', 'MESSAGE'],
        rows.map((r) => [r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.type, r.member, r.reason, r.count ? `${r.message} (x${r.count})` : r.message]),
      ),
    );
  });
}

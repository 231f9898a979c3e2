/** `rck logs [member]`: a member's redis-server log (its container log), or the supervisor's. */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { checkMemberName, requireLocalCluster } from '../../platform/local/resolve.js';
import { parseCount } from '../options.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

interface LogsFlags extends LocalTargetFlags {
  follow?: boolean;
  tail: string;
}

export function registerLogs(program: Command): void {
  addLocalOptions(
    program
      .command('logs')
      .description("print a member's redis-server log (like kubectl logs), or the supervisor's log when no member is given")
      .argument('[member]', 'member name, e.g. redis-app-0')
      .option('-f, --follow', 'keep printing new lines until interrupted')
      .option('-n, --tail <lines>', 'lines from the end to print first (0: all)', '100'),
    false,
  ).action(async (member: string | undefined, flags: LogsFlags) => {
    const t = await requireLocalCluster(flags, member);
    if (member) checkMemberName(t, member);
    const path = member ? t.state.memberLog(member) : t.state.supervisorLog;
    const size = await stat(path)
      .then((s) => s.size)
      .catch(() => undefined);
    if (size === undefined) throw new InputError(`no log yet at ${path}`, { subject: path });
    await printTail(path, parseCount(flags.tail, '--tail'));
    if (flags.follow) await follow(path, size);
  });
}

async function printTail(path: string, lines: number): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    // Logs can be large: read at most the last 1 MiB when tailing.
    const start = lines === 0 ? 0 : Math.max(0, size - 1024 * 1024);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    if (lines > 0)
      text = text
        .split('\n')
        .slice(-(lines + 1))
        .join('\n');
    process.stdout.write(text);
  } finally {
    await fh.close();
  }
}

async function follow(path: string, from: number): Promise<void> {
  let pos = from;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const size = await stat(path)
      .then((s) => s.size)
      .catch(() => pos);
    if (size < pos) pos = 0; // truncated or recreated
    if (size > pos) {
      await new Promise<void>((resolve) =>
        createReadStream(path, { start: pos, end: size - 1 })
          .on('end', resolve)
          .pipe(process.stdout, { end: false }),
      );
      pos = size;
    }
  }
}

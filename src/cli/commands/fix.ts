import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { fixCluster } from '../../ops/fix.js';
import type { SlotRepair } from '../../plan/fix.js';
import { type ConnectionFlags, addConnectionOptions, connectionFrom, parseAddresses } from '../options.js';
import { printJson, printLine, progressPrinter } from '../output.js';

interface FixFlags extends ConnectionFlags {
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerFix(program: Command): void {
  addConnectionOptions(
    program
      .command('fix')
      .description('repair open slots (left migrating/importing), uncovered slots and keys in slots their node does not own; never deletes keys')
      .argument('<nodes...>', 'any node(s) of the cluster, host:port')
      .option('-y, --yes', 'apply the plan without asking')
      .option('--dry-run', 'print the plan and change nothing')
      .option('--json', 'print the plan and result as JSON'),
  ).action(async (nodes: string[], flags: FixFlags) => {
    const result = await fixCluster({
      ...connectionFrom(flags),
      seeds: parseAddresses(nodes),
      onProgress: progressPrinter(flags.json),
      confirm: async (repairs) => {
        if (!flags.json) printPlan(repairs);
        if (flags.dryRun) return false;
        if (flags.yes) return true;
        if (!process.stdin.isTTY) throw new InputError('fix needs confirmation: run it on a terminal, or pass --yes (or --dry-run to only see the plan)');
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question('Apply this plan? (type "yes"): ');
        rl.close();
        return answer.trim() === 'yes';
      },
    });
    if (flags.json) {
      printJson(result);
    } else if (result.repairs.length === 0) {
      printLine('OK: nothing to fix');
    } else if (result.applied) {
      printLine(`OK: fixed ${result.repairs.length} slot(s), moved ${result.keysMoved} key(s)`);
    } else {
      printLine('nothing was changed');
    }
  });
}

function printPlan(repairs: SlotRepair[]): void {
  printLine(`${repairs.length} slot(s) to repair:`);
  for (const r of repairs) printLine(`  slot ${r.slot}: ${r.problem} -> ${r.unfixable ? `cannot fix: ${r.unfixable}` : r.action}`);
}

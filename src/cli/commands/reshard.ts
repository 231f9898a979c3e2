/** `rck reshard`: move a number of slots, or given slots, from sources to one target master. */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { resolveMaster } from '../../plan/node-ref.js';
import { planReshard } from '../../plan/reshard.js';
import { masterSlots } from '../../plan/slot-moves.js';
import { SLOT_COUNT } from '../../topology/slots.js';
import { confirmPlan } from '../confirm.js';
import { type MoverFlags, addMoverOptions, runSlotPlanCommand } from '../mover-options.js';
import { type ConnectionFlags, addConnectionOptions, parseCount } from '../options.js';
import { printJson, printLine } from '../output.js';
import { movesJson, printMoves, printResult, resultJson } from '../slot-plan-output.js';

interface ReshardFlags extends ConnectionFlags, MoverFlags {
  to: string;
  from?: string;
  slots?: string;
  slotList?: string;
}

export function registerReshard(program: Command): void {
  const cmd = program
    .command('reshard')
    .description('move slots and their keys to one master: a number of slots taken from the sources in proportion to what they own, or an explicit slot list')
    .argument('<nodes...>', 'any node(s) of the cluster, host:port')
    .requiredOption('--to <node>', 'target master: node id (or unique prefix) or host:port')
    .option('--from <nodes>', 'comma-separated source masters (ids or host:port), or "all" (default: all other masters)')
    .option('--slots <n>', 'number of slots to move')
    .option('--slot-list <slots>', 'exactly these slots, e.g. 0-99,500; each taken from its current owner');
  addConnectionOptions(addMoverOptions(cmd)).action(async (nodes: string[], flags: ReshardFlags) => {
    if ((flags.slots === undefined) === (flags.slotList === undefined)) throw new InputError('give --slots <n> or --slot-list <slots> (one of them)');
    const count = flags.slots === undefined ? undefined : parseCount(flags.slots, '--slots', 1);
    const slots = flags.slotList === undefined ? undefined : parseSlotList(flags.slotList);
    let planJson: object[] = [];
    const r = await runSlotPlanCommand(
      flags,
      nodes,
      (model) => {
        const to = resolveMaster(model, flags.to, '--to').id;
        const from = flags.from && flags.from !== 'all' ? flags.from.split(',').map((f) => resolveMaster(model, f, '--from').id) : undefined;
        return planReshard(masterSlots(model), { to, from, count, slots });
      },
      async (plan, model, keys) => {
        if (plan.alreadyOnTarget.length > 0 && !flags.json) printLine(`${plan.alreadyOnTarget.length} slot(s) already on the target: skipped`);
        if (plan.moves.length === 0) return false;
        if (flags.json) planJson = movesJson(plan.moves, model);
        else printMoves(plan.moves, model, keys);
        return confirmPlan('reshard', flags.yes);
      },
    );
    if (flags.json) printJson({ plan: planJson, ...resultJson(r) });
    else printResult(r);
  });
}

/** `0-99,500` -> [0..99, 500]. */
export function parseSlotList(text: string): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const a = Number(m?.[1]);
    const b = m?.[2] === undefined ? a : Number(m[2]);
    if (!m || a > b || b >= SLOT_COUNT) throw new InputError(`--slot-list: invalid "${part}": expected slots or ranges within 0-${SLOT_COUNT - 1}, like 0-99,500`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  if (out.length === 0) throw new InputError('--slot-list: no slots given');
  return out;
}

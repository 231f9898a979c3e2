/** `rck rebalance`: even out slots across masters by weight, like redis-cli --cluster rebalance, only faster. */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { resolveMaster } from '../../plan/node-ref.js';
import { DEFAULT_THRESHOLD, type RebalancePlan, planRebalance } from '../../plan/rebalance.js';
import { masterSlots } from '../../plan/slot-moves.js';
import type { ClusterModel } from '../../topology/model.js';
import { confirmPlan } from '../confirm.js';
import { type MoverFlags, addMoverOptions, runSlotPlanCommand } from '../mover-options.js';
import { type ConnectionFlags, addConnectionOptions } from '../options.js';
import { printJson, printLine, renderTable } from '../output.js';
import { movesJson, printMoves, printResult, resultJson } from '../slot-plan-output.js';

interface RebalanceFlags extends ConnectionFlags, MoverFlags {
  weight?: string[];
  useEmptyMasters?: boolean;
  threshold: string;
  simulate?: boolean;
}

export function registerRebalance(program: Command): void {
  const cmd = program
    .command('rebalance')
    .description('move slots so each master owns its share (16384 x weight / total weight); nothing moves when every master is within the threshold')
    .argument('<nodes...>', 'any node(s) of the cluster, host:port')
    .option('-w, --weight <node=weight>', 'weight of a master (id, id prefix or host:port); default 1; 0 empties it; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--use-empty-masters', 'give slots to masters that own none (e.g. one just added)')
    .option('--threshold <percent>', 'rebalance only when a master is further than this from its share', String(DEFAULT_THRESHOLD))
    .option('--simulate', 'print the plan and change nothing');
  addConnectionOptions(addMoverOptions(cmd)).action(async (nodes: string[], flags: RebalanceFlags) => {
    const threshold = Number(flags.threshold);
    if (!/^\d+(\.\d+)?$/.test(flags.threshold.trim())) throw new InputError(`--threshold: invalid value "${flags.threshold}": expected a percentage >= 0`);
    let planJson: object = {};
    const r = await runSlotPlanCommand(
      flags,
      nodes,
      (model) => planRebalance(masterSlots(model), { weights: parseWeights(model, flags.weight ?? []), threshold, useEmptyMasters: flags.useEmptyMasters }),
      async (plan, model, keys) => {
        if (flags.json) planJson = { needed: plan.needed, reason: plan.reason, nodes: plan.nodes, plan: movesJson(plan.moves, model) };
        else printPlan(plan, model, keys);
        if (!plan.needed || flags.simulate) return false;
        return confirmPlan('rebalance', flags.yes);
      },
    );
    if (flags.json) printJson({ ...planJson, ...resultJson(r) });
    else if (r.plan.needed && !flags.simulate) printResult(r);
  });
}

function parseWeights(model: ClusterModel, texts: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of texts) {
    const i = t.lastIndexOf('=');
    const w = Number(t.slice(i + 1));
    if (i <= 0 || !/^\d+(\.\d+)?$/.test(t.slice(i + 1))) throw new InputError(`--weight: invalid value "${t}": expected <node>=<weight>, weight a number >= 0`);
    out.set(resolveMaster(model, t.slice(0, i), '--weight').id, w);
  }
  return out;
}

function printPlan(plan: RebalancePlan, model: ClusterModel, keys: number): void {
  printLine(
    renderTable(
      ['MASTER', 'ID', 'WEIGHT', 'SLOTS', 'AFTER'],
      plan.nodes.map((n) => [n.name, n.id.slice(0, 8), n.weight, n.slots, n.after]),
    ),
  );
  if (!plan.needed) {
    printLine(`No rebalancing needed: ${plan.reason}`);
    return;
  }
  printMoves(plan.moves, model, keys);
}

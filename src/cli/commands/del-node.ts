/** `rck del-node`: remove a node that owns no slots and holds no keys. */
import type { Command } from 'commander';
import { delNode } from '../../ops/del-node.js';
import type { DelNodePlan } from '../../plan/del-node.js';
import { confirmPlan } from '../confirm.js';
import { parseAddress } from '../../redis/address.js';
import { type ConnectionFlags, addConnectionOptions, connectionFrom } from '../options.js';
import { printJson, printLine, progressPrinter } from '../output.js';

interface DelNodeFlags extends ConnectionFlags {
  replicasTo?: string;
  shutdown?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function registerDelNode(program: Command): void {
  const cmd = program
    .command('del-node')
    .description('remove a node from the cluster: refuses a master that owns slots or holds keys; re-points its replicas, makes every node forget it, then resets it')
    .argument('<cluster-node>', 'any other node of the cluster, host:port')
    .argument('<node>', 'the node to remove: node id (or unique prefix) or host:port')
    .option('--replicas-to <node>', 'master its replicas should follow (default: the master with the fewest replicas)')
    .option('--shutdown', 'shut the removed node down (SHUTDOWN NOSAVE, as redis-cli does) instead of resetting it with CLUSTER RESET HARD')
    .option('-y, --yes', 'remove without asking')
    .option('--json', 'print the plan and result as JSON');
  addConnectionOptions(cmd).action(async (seed: string, node: string, flags: DelNodeFlags) => {
    const r = await delNode({
      ...connectionFrom(flags),
      seeds: [parseAddress(seed)],
      node,
      replicasTo: flags.replicasTo,
      shutdown: flags.shutdown,
      confirm: async (plan) => {
        if (!flags.json) printPlan(plan, flags.shutdown === true);
        return confirmPlan('del-node', flags.yes);
      },
      onProgress: progressPrinter(flags.json),
    });
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    if (flags.json) printJson({ ...r.plan, applied: r.applied, warnings: r.warnings });
    else printLine(r.applied ? `OK: ${r.plan.node} (${r.plan.nodeId.slice(0, 8)}) removed from the cluster` : 'nothing was changed');
  });
}

function printPlan(p: DelNodePlan, shutdown: boolean): void {
  printLine(`Plan: remove ${p.role} ${p.node} (${p.nodeId.slice(0, 8)})`);
  for (const r of p.repoint) printLine(`  its replica ${r.replica} will replicate ${r.master}`);
  printLine(`  ${p.forgetOn.length} node(s) forget it`);
  if (p.reachable) printLine(`  then it is ${shutdown ? 'shut down' : 'reset (CLUSTER RESET HARD) and left running, empty'}`);
}

/** `rck add-node`: join an empty node to a cluster as a master or as a replica. */
import type { Command } from 'commander';
import { addNode } from '../../ops/add-node.js';
import { parseAddress } from '../../redis/address.js';
import { type ConnectionFlags, addConnectionOptions, connectionFrom, parseAddresses, parseMillis } from '../options.js';
import { printJson, printLine, progressPrinter } from '../output.js';

interface AddNodeFlags extends ConnectionFlags {
  replica?: boolean;
  master?: string;
  waitTimeout: string;
  waitSync: boolean;
  json?: boolean;
}

export function registerAddNode(program: Command): void {
  const cmd = program
    .command('add-node')
    .description('add an empty cluster-enabled node to a cluster, as a master without slots (then run rck rebalance --use-empty-masters) or as a replica')
    .argument('<new-node>', 'the node to add, host:port; it must be empty and in no cluster')
    .argument('<nodes...>', 'any node(s) of the cluster, host:port')
    .option('--replica', 'add it as a replica (of --master, or of the master with the fewest replicas)')
    .option('--master <node>', 'with --replica: the master to follow, node id (or unique prefix) or host:port')
    .option('--wait-timeout <duration>', 'deadline for every node to know the new node (and for a replica to sync)', '30s')
    .option('--no-wait-sync', "do not wait for a new replica's initial sync")
    .option('--json', 'print the result as JSON');
  addConnectionOptions(cmd).action(async (newNode: string, nodes: string[], flags: AddNodeFlags) => {
    const r = await addNode({
      ...connectionFrom(flags),
      seeds: parseAddresses(nodes),
      node: parseAddress(newNode),
      asReplica: flags.replica === true || flags.master !== undefined,
      master: flags.master,
      waitTimeoutMs: parseMillis(flags.waitTimeout, '--wait-timeout'),
      waitForSync: flags.waitSync,
      onPlan: (plan) => {
        if (flags.json) return;
        printLine(plan.role === 'master' ? `Plan: add ${plan.node} as a master (no slots yet)` : `Plan: add ${plan.node} as a replica of ${plan.master} (${plan.reason})`);
      },
      onProgress: progressPrinter(flags.json),
    });
    if (flags.json) printJson({ ...r.plan, elapsedMs: r.elapsedMs });
    else {
      printLine(`OK: ${r.plan.node} (${r.plan.nodeId.slice(0, 8)}) joined as a ${r.plan.role} in ${r.elapsedMs} ms`);
      if (r.plan.role === 'master') printLine(`hint: give it slots with: rck rebalance ${nodes[0]} --use-empty-masters`);
    }
  });
}

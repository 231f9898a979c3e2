import { type Command, Option } from 'commander';
import { createCluster } from '../../ops/create.js';
import type { CreateLayout } from '../../plan/create.js';
import { formatAddress } from '../../redis/address.js';
import { formatRanges } from '../../topology/slots.js';
import { type ConnectionFlags, addConnectionOptions, collectDomain, connectionFrom, parseAddresses, parseCount, parseMillis } from '../options.js';
import { printJson, printLine, progressPrinter } from '../output.js';

interface CreateFlags extends ConnectionFlags {
  replicas: string;
  domain?: Map<string, string>;
  placement: 'spread' | 'ordinal';
  waitTimeout: string;
  waitSync: boolean;
  json?: boolean;
}

export function registerCreate(program: Command): void {
  const cmd = program
    .command('create')
    .description('create a cluster from empty cluster-enabled nodes (checks every node first; changes nothing if one fails)')
    .argument('<nodes...>', 'node addresses, host:port')
    .option('-r, --replicas <n>', 'replicas per master', '0')
    .option('-d, --domain <host:port=domain>', 'failure domain (zone, host) of a node; repeatable; default: the host part of the address', collectDomain)
    .addOption(
      new Option('--placement <mode>', 'spread: masters and replicas across failure domains; ordinal: first nodes are masters, the rest replicate them in order')
        .choices(['spread', 'ordinal'])
        .default('spread'),
    )
    .option('--wait-timeout <duration>', 'overall deadline for the cluster to converge', '30s')
    .option('--no-wait-sync', "do not wait for replicas' initial sync")
    .option('--json', 'print the result as JSON');
  addConnectionOptions(cmd).action(async (nodes: string[], flags: CreateFlags) => {
    const addresses = parseAddresses(nodes);
    const domains = flags.domain ?? new Map<string, string>();
    const result = await createCluster({
      ...connectionFrom(flags),
      nodes: addresses.map((a) => ({ address: a, domain: domains.get(formatAddress(a)) })),
      replicasPerMaster: parseCount(flags.replicas, '--replicas'),
      placement: flags.placement,
      convergeTimeoutMs: parseMillis(flags.waitTimeout, '--wait-timeout'),
      waitForSync: flags.waitSync,
      onPlan: flags.json ? undefined : printLayout,
      onProgress: progressPrinter(flags.json),
    });
    if (flags.json) {
      printJson({
        elapsedMs: result.elapsedMs,
        score: result.layout.score,
        warnings: result.layout.warnings,
        shards: result.layout.shards.map((s) => ({
          master: { address: formatAddress(s.master.address), id: result.nodeIds.get(formatAddress(s.master.address)), domain: s.master.domain },
          slots: formatRanges([s.slots]),
          replicas: s.replicas.map((r) => ({ address: formatAddress(r.address), id: result.nodeIds.get(formatAddress(r.address)), domain: r.domain })),
        })),
      });
    } else {
      printLine(
        `OK: cluster created in ${result.elapsedMs} ms: ${result.layout.shards.length} masters, ${result.layout.shards.reduce((n, s) => n + s.replicas.length, 0)} replicas`,
      );
    }
  });
}

function printLayout(layout: CreateLayout): void {
  const replicas = layout.shards.reduce((n, s) => n + s.replicas.length, 0);
  printLine(`Plan: ${layout.shards.length} masters, ${replicas} replicas, placement score ${layout.score}/100`);
  for (const s of layout.shards) {
    printLine(`  master  ${formatAddress(s.master.address).padEnd(22)} ${s.master.domain.padEnd(14)} slots ${formatRanges([s.slots])}`);
    for (const r of s.replicas) printLine(`   replica ${formatAddress(r.address).padEnd(22)} ${r.domain}`);
  }
  for (const w of layout.warnings) process.stderr.write(`warning: ${w}\n`);
}

/** `rck status` and `rck check`: read-only views of a cluster reached through any node. */
import type { Command } from 'commander';
import { type Finding, checkCluster, isHealthy } from '../../plan/check.js';
import { withPool } from '../../redis/pool.js';
import { observeCluster } from '../../topology/observe.js';
import { probeSlotKeys } from '../../topology/slot-keys.js';
import { type ClusterSummary, summarizeCluster } from '../../topology/summary.js';
import { type ConnectionFlags, addConnectionOptions, collectDomain, connectionFrom, parseAddresses, parseCount } from '../options.js';
import { printJson, printLine, renderTable } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';
import { localStatusAction } from './print-local-status.js';

interface ViewFlags extends ConnectionFlags {
  json?: boolean;
  replicas?: string;
  domain?: Map<string, string>;
}

export function registerClusterViews(program: Command): void {
  addLocalOptions(
    addConnectionOptions(
      program
        .command('status')
        .description(
          'show every node of a cluster at a glance: role, master, slots, keys, replication link and lag; ' +
            'without nodes, the local cluster (`rck up`): members, addresses, roles and health (exit 1 when degraded)',
        )
        .argument('[nodes...]', 'any node(s) of the cluster, host:port; default: the local cluster')
        .option('--json', 'print one JSON object (local cluster: {cluster, health, supervisor, members: [{name, address, role, ...}]})'),
    ),
    false,
  ).action(async (nodes: string[], flags: ViewFlags & LocalTargetFlags) => {
    if (nodes.length === 0) return localStatusAction(flags);
    const model = await observeCluster(parseAddresses(nodes), connectionFrom(flags));
    const status = summarizeCluster(model);
    if (flags.json) printJson(status);
    else printStatus(status);
  });

  addConnectionOptions(
    program
      .command('check')
      .description('check a cluster the way redis-cli --cluster check does, plus replica health and placement; exit code 0 only when healthy')
      .argument('<nodes...>', 'any node(s) of the cluster, host:port')
      .option('-r, --replicas <n>', 'replicas each master should have (default: 1 if any master has one)')
      .option('-d, --domain <host:port=domain>', 'failure domain of a node; repeatable; default: the host part of the address', collectDomain)
      .option('--json', 'print the findings as JSON'),
  ).action(async (nodes: string[], flags: ViewFlags) => {
    const conn = connectionFrom(flags);
    const { model, findings } = await withPool(conn, async (pool) => {
      const model = await observeCluster(parseAddresses(nodes), { pool });
      const slotKeys = await probeSlotKeys(pool, model);
      const replicasPerMaster = flags.replicas === undefined ? undefined : parseCount(flags.replicas, '--replicas');
      return { model, findings: checkCluster(model, { replicasPerMaster, domains: flags.domain, slotKeys }) };
    });
    const status = summarizeCluster(model);
    const healthy = isHealthy(findings);
    if (flags.json) printJson({ healthy, findings, summary: { ...status, nodes: undefined } });
    else printCheck(status, findings);
    if (!healthy) process.exitCode = 1;
  });
}

function summaryLine(s: ClusterSummary): string {
  return `cluster ${s.state}: ${s.nodes.length} nodes, ${s.masters} masters, ${s.replicas} replicas, ${s.slotsCovered}/16384 slots covered, ${s.keys} keys`;
}

function printStatus(s: ClusterSummary): void {
  printLine(summaryLine(s));
  printLine();
  const rows = s.nodes.map((n) => [
    n.id.slice(0, 8) || '-',
    n.address,
    n.role + (n.flags.length ? ` (${n.flags.join(',')})` : ''),
    n.masterAddress ?? (n.masterId ? n.masterId.slice(0, 8) : '-'),
    n.slots ? `${n.slots} (${n.slotRanges})` : '-',
    n.role === 'unreachable' ? '-' : n.keys,
    n.link ?? '-',
    n.lagBytes === undefined ? '-' : `${n.lagBytes} B`,
  ]);
  printLine(renderTable(['ID', 'ADDRESS', 'ROLE', 'MASTER', 'SLOTS', 'KEYS', 'LINK', 'LAG'], rows));
}

function printCheck(s: ClusterSummary, findings: Finding[]): void {
  printLine(summaryLine(s));
  for (const f of findings) printLine(`${f.severity === 'error' ? 'ERROR  ' : 'WARNING'}  ${f.node}: ${f.message}`);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  printLine(errors === 0 ? `OK: healthy${warnings ? ` (${warnings} warning(s))` : ''}` : `FAIL: ${errors} error(s), ${warnings} warning(s)`);
}

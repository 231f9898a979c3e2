/** `rck bench consistency` (the consistency workload as a command) and `rck bench chaos` (bench-chaos.ts). */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { readLocalStatus } from '../../platform/local/local-status.js';
import { type LocalTarget, noSuchUser, requireLocalCluster } from '../../platform/local/resolve.js';
import { type NodeAddress, parseAddress } from '../../redis/address.js';
import { PASSWORD_ENV } from '../../redis/connection.js';
import { formatSnapshot, startConsistencyWorkload } from '../../workload/consistency.js';
import { reportRateTo } from '../../workload/report-rate.js';
import { type TlsFlags, USER_ENV, addTlsOptions, parseCount, parseMillis, profileFrom } from '../options.js';
import { printJson, printLine } from '../output.js';
import { registerBenchChaos } from './bench-chaos.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';
import type { ConnectionProfile } from '../../redis/profile.js';

interface ConsistencyFlags extends LocalTargetFlags, TlsFlags {
  node?: string[];
  duration: string;
  keys: string;
  workers: string;
  json?: boolean;
  user?: string;
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('workloads that measure a running cluster');
  addLocalOptions(
    addTlsOptions(bench.command('consistency'))
      .description(
        'increment counters through a cluster client and check every read against the last acknowledged write; ' +
          'reports ops/s, errors, lost acknowledged writes, applied-but-unacknowledged writes and the longest write outage',
      )
      .option('--node <host:port...>', `nodes to start from (password from ${PASSWORD_ENV}; TLS from --tls/--cacert/--cert/--key); default: the local cluster's members`)
      .option('--user <name>', `ACL user to run as (default: ${USER_ENV}); locally its password is read from the state directory (default there: rck's admin user)`)
      .option('--duration <duration>', 'how long to run (Ctrl-C stops earlier)', '30s')
      .option('--keys <n>', 'number of counters', '1000')
      .option('--workers <n>', 'concurrent client loops', '8')
      .option('--json', 'print the final report as JSON'),
    false,
  ).action(async (flags: ConsistencyFlags) => {
    const { nodes, profile, controlSocket } = await target(flags);
    const w = startConsistencyWorkload({ nodes, profile, keys: parseCount(flags.keys, '--keys', 1), workers: parseCount(flags.workers, '--workers', 1) });
    const durationMs = parseMillis(flags.duration, '--duration');
    // The local cluster's web view shows the workload's rate and latency while it runs.
    const stopReporting = controlSocket ? reportRateTo(controlSocket, 'bench consistency', () => w.rate()) : () => {};
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => process.stderr.write(`${formatSnapshot(w.snapshot())}\n`), 1000);
      const done = () => {
        clearInterval(tick);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, durationMs);
      process.once('SIGINT', done);
    });
    stopReporting();
    const r = await w.stop();
    if (flags.json) {
      printJson(r);
    } else {
      printLine(`duration           ${(r.elapsedMs / 1000).toFixed(1)} s`);
      printLine(`ops/s              ${r.opsPerSec} (${r.reads} reads, ${r.writes} writes)`);
      printLine(`errors             ${r.readErrors} reads, ${r.writeErrors} writes`);
      printLine(`lost writes        ${r.lostWrites} (acknowledged, then not seen)`);
      printLine(`unacked writes     ${r.unackedWrites} (failed on the client, applied anyway)`);
      printLine(`longest outage     ${r.longestWriteOutageMs} ms (writes to one key failing)`);
      printLine(`final check        ${r.keysChecked} keys read back, ${r.unreadableKeys} unreadable`);
      if (r.errorSamples.length) printLine(`error samples      ${r.errorSamples.join(' | ')}`);
    }
    if (r.lostWrites > 0 || r.unreadableKeys > 0) process.exitCode = 1;
  });
  registerBenchChaos(bench);
}

/** The nodes and profile, and for the local cluster its supervisor's control socket. */
async function target(flags: ConsistencyFlags): Promise<{ nodes: NodeAddress[]; profile: ConnectionProfile; controlSocket?: string }> {
  const user = flags.user ?? (process.env[USER_ENV] || undefined);
  if (flags.node?.length) {
    const profile = profileFrom(flags, process.env[PASSWORD_ENV] || undefined);
    return { nodes: flags.node.map(parseAddress), profile: user ? { ...profile, username: user } : profile };
  }
  const t = await requireLocalCluster(flags);
  const keeper = await t.state.profile(t.cluster);
  const status = await readLocalStatus(t, keeper);
  const profile = user ? { ...keeper, username: user, password: await userPassword(t, user) } : keeper;
  const nodes = status.members.filter((m) => m.up).map((m) => parseAddress(m.address));
  if (nodes.length === 0) throw new InputError(`cluster ${t.cluster.metadata.name}: no member is up`);
  return { nodes, profile, controlSocket: t.state.controlSocket };
}

/** A spec.auth.users entry's password from the state directory; one line naming the users otherwise. */
async function userPassword(t: LocalTarget, user: string): Promise<string> {
  const pw = t.cluster.spec.auth.users.some((u) => u.name === user) ? await t.state.userPassword(user) : undefined;
  const known = t.cluster.spec.auth.users.map((u) => u.name);
  if (pw === undefined) throw noSuchUser(t, user, known);
  return pw;
}

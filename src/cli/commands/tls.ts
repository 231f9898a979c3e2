/** `rck tls renew`: renew the local cluster's member certificates and have running members load them (no restart). */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { readLocalStatus } from '../../platform/local/local-status.js';
import { requireLocalCluster } from '../../platform/local/resolve.js';
import { renewCertificates } from '../../platform/local/tls-renew.js';
import { parseAddress } from '../../redis/address.js';
import { printJson, printLine } from '../output.js';
import { type LocalTargetFlags, addLocalOptions } from './local-options.js';

interface RenewFlags extends LocalTargetFlags {
  force?: boolean;
  json?: boolean;
}

export function registerTls(program: Command): void {
  const tls = program.command('tls').description("the local cluster's TLS certificates (spec.tls.enabled)");
  addLocalOptions(
    tls
      .command('renew')
      .description(
        'make new member certificates where they near their end (30 days), or all with --force, and have each running member load its own with CONFIG SET: no restart, clients keep working (the CA stays)',
      )
      .option('--force', 'renew every certificate now')
      .option('--json', 'print the result as JSON'),
    false,
  ).action(async (flags: RenewFlags) => {
    const t = await requireLocalCluster(flags);
    if (!t.cluster.spec.tls.enabled) throw new InputError(`cluster ${t.cluster.metadata.name} does not use TLS (spec.tls.enabled is false)`, { subject: 'spec.tls.enabled' });
    const profile = await t.state.profile(t.cluster);
    const status = await readLocalStatus(t, profile);
    const members = status.members.map((m) => ({ name: m.name, address: parseAddress(m.address), up: m.up }));
    const results = await renewCertificates(t.state, members, profile, flags.force);
    if (flags.json) printJson(results);
    else
      for (const r of results) {
        const what = !r.renewed
          ? 'kept (not near its end)'
          : r.reloaded
            ? 'renewed and loaded (CONFIG SET)'
            : r.error
              ? `renewed; not loaded: ${r.error}`
              : 'renewed; loaded at its next start (down)';
        printLine(`${r.name}: ${what}`);
      }
    if (results.some((r) => r.error)) process.exitCode = 1;
  });
}

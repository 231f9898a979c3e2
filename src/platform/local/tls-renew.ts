/**
 * Renewing the members' certificates without restarting them: a new key and certificate
 * are written over the member's files (tls-files.ts), then `CONFIG SET tls-cert-file
 * tls-key-file` with the same paths makes the running redis-server load them (Redis
 * reloads its TLS context on every CONFIG SET of a tls-*-file, same path or not). New
 * connections get the new certificate; open ones keep theirs. The CA does not change, so
 * no client notices. Run by the supervisor once a day (only what nears its end) and by
 * `rck tls renew` (`--force`: every certificate now).
 */
import { errorText } from '../../errors.js';
import type { NodeAddress } from '../../redis/address.js';
import { connectNode } from '../../redis/connection.js';
import type { ConnectionProfile } from '../../redis/profile.js';
import type { StateDir } from './state-dir.js';

export interface RenewTarget {
  name: string;
  address: NodeAddress;
  up: boolean;
}

export interface RenewResult {
  name: string;
  /** A new certificate was written. */
  renewed: boolean;
  /** The running member loaded it (CONFIG SET); false when it is down (it loads it at its start) or refused. */
  reloaded: boolean;
  /** Why the reload failed, when it did (never a secret: the node's error text). */
  error?: string;
}

/** Renews what nears its end (or everything with `force`) and has each running member reload it. */
export async function renewCertificates(state: StateDir, members: RenewTarget[], profile: ConnectionProfile, force = false): Promise<RenewResult[]> {
  await state.tls.renewClient(force);
  return Promise.all(
    members.map(async (m): Promise<RenewResult> => {
      const renewed = await state.tls.renewMember(m.name, m.address.host, force);
      if (!renewed || !m.up) return { name: m.name, renewed, reloaded: false };
      const files = state.tls.member(m.name);
      try {
        const c = await connectNode(m.address, { profile, timeoutMs: 2000 });
        try {
          await c.call('CONFIG', 'SET', 'tls-cert-file', files.cert, 'tls-key-file', files.key);
        } finally {
          c.disconnect();
        }
        return { name: m.name, renewed, reloaded: true };
      } catch (err) {
        return { name: m.name, renewed, reloaded: false, error: errorText(err) };
      }
    }),
  );
}

/** How often the supervisor looks for certificates near their end (RENEW_BEFORE_DAYS ahead, so a day is plenty). */
export const RENEW_CHECK_MS = 24 * 3600_000;

export interface RenewalTimer {
  state: StateDir;
  profile: ConnectionProfile;
  members: () => Promise<RenewTarget[]>;
  record: (e: { type: 'Normal' | 'Warning'; reason: string; member: string; message: string }) => Promise<void>;
  report: (line: string) => void;
}

/** The supervisor's daily renewal; returns its cancel. A failed round is reported and tried again the next day. */
export function startRenewalTimer(t: RenewalTimer): () => void {
  const round = async () => {
    try {
      for (const r of await renewCertificates(t.state, await t.members(), t.profile)) {
        if (!r.renewed) continue;
        if (r.error) await t.record({ type: 'Warning', reason: 'CertificateReloadFailed', member: r.name, message: `new certificate written, CONFIG SET refused: ${r.error}` });
        else
          await t.record({
            type: 'Normal',
            reason: 'CertificateRenewed',
            member: r.name,
            message: r.reloaded ? 'new certificate loaded with CONFIG SET (no restart)' : 'new certificate written; the member loads it at its start',
          });
      }
    } catch (err) {
      t.report(`certificate renewal failed: ${errorText(err)}`);
    }
  };
  const timer = setInterval(() => void round(), RENEW_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

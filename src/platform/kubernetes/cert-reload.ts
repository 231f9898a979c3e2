/**
 * A renewed TLS Secret reaching running members without a restart. The kubelet replaces
 * the Secret volume's files in place (an atomic symlink swap), but Redis reads its
 * certificate only at start and on `CONFIG SET tls-cert-file ...`. Each pass compares the
 * certificate every member serves with the Secret's; where they differ it has the member
 * load its files again and looks once more. Until the kubelet has refreshed that pod's
 * volume the member keeps serving the old one (still valid: same CA), and it stays pending,
 * tried again at a later pass. Open connections keep their session; new ones get the new one.
 */
import { errorText } from '../../errors.js';
import type { ClusterEvent } from '../../controller/events.js';
import { TLS_DIR } from '../../manifests/names.js';
import { connectNode } from '../../redis/connection.js';
import type { ConnectionProfile } from '../../redis/profile.js';
import { servedCertificate } from '../../redis/served-certificate.js';
import type { MemberView } from '../../topology/observation.js';

export const CERT_RELOAD_EVENT = 'CertificateRenewed';

export interface CertReloadResult {
  /** Members up that serve another certificate than the Secret's after this round. */
  pending: string[];
  /** Members that loaded the Secret's certificate in this round. */
  reloaded: string[];
}

type Record = (e: Pick<ClusterEvent, 'type' | 'reason' | 'member' | 'message'>) => Promise<void>;

/** One round over the members that are up; never throws (a member that does not answer is pending). */
export async function reloadCertificates(members: MemberView[], want: Buffer, profile: ConnectionProfile, record: Record): Promise<CertReloadResult> {
  const out: CertReloadResult = { pending: [], reloaded: [] };
  await Promise.all(
    members
      .filter((m) => m.up)
      .map(async (m) => {
        try {
          if ((await servedCertificate(m.address, profile)).equals(want)) return;
          const c = await connectNode(m.address, { profile, timeoutMs: 2000 });
          try {
            await c.call('CONFIG', 'SET', 'tls-cert-file', `${TLS_DIR}/tls.crt`, 'tls-key-file', `${TLS_DIR}/tls.key`, 'tls-ca-cert-file', `${TLS_DIR}/ca.crt`);
          } finally {
            c.disconnect();
          }
          if (!(await servedCertificate(m.address, profile)).equals(want)) {
            out.pending.push(m.name);
            return;
          }
          out.reloaded.push(m.name);
          await record({ type: 'Normal', reason: CERT_RELOAD_EVENT, member: m.name, message: "serves the Secret's new certificate, loaded with CONFIG SET (no restart)" }).catch(
            () => {},
          );
        } catch (err) {
          // Also a CONFIG SET refused while the kubelet swaps the files (certificate and key from two versions).
          out.pending.push(`${m.name} (${errorText(err)})`);
        }
      }),
  );
  return out;
}

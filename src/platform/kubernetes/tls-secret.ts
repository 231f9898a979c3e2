/**
 * spec.tls on Kubernetes: the members' kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt),
 * read by the operator. The operator trusts its CA, shows its certificate as a client
 * certificate (members do the same between themselves: tls-auth-clients yes needs one the
 * CA signed), and checks every member's certificate against the client Service's name.
 */
import { X509Certificate } from 'node:crypto';
import type { CoreV1Api, V1StatefulSet } from '@kubernetes/client-node';
import { TLS_VOLUME } from '../../manifests/names.js';
import { InputError } from '../../errors.js';
import type { ConnectionProfile } from '../../redis/profile.js';

export interface TlsSecret {
  name: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** The DER of tls.crt's first certificate: what every member should serve. */
  served: Buffer;
}

const KEYS = ['tls.crt', 'tls.key', 'ca.crt'] as const;

/** Reads and checks the Secret; a missing Secret or key is an InputError naming it (the cluster waits for it). */
export async function readTlsSecret(core: CoreV1Api, namespace: string, name: string): Promise<TlsSecret> {
  let data: Record<string, string> | undefined;
  try {
    data = (await core.readNamespacedSecret({ name, namespace })).data;
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    throw new InputError(`spec.tls: Secret ${namespace}/${name} not found: create it (kubernetes.io/tls with ca.crt) or set spec.kubernetes.tls.secretName`, {
      subject: 'spec.kubernetes.tls.secretName',
    });
  }
  const missing = KEYS.filter((k) => !data?.[k]);
  if (missing.length > 0) throw new InputError(`spec.tls: Secret ${namespace}/${name} has no ${missing.join(', ')}`, { subject: 'spec.kubernetes.tls.secretName' });
  const [cert, key, ca] = KEYS.map((k) => Buffer.from(data![k]!, 'base64'));
  let served: Buffer;
  try {
    served = new X509Certificate(cert!).raw;
  } catch {
    throw new InputError(`spec.tls: Secret ${namespace}/${name}: tls.crt is not a PEM certificate`, { subject: 'spec.kubernetes.tls.secretName' });
  }
  return { name, ca: ca!, cert: cert!, key: key!, served };
}

/** The operator's profile with this Secret's TLS: its CA, its certificate as client certificate, `serverName` checked. */
export function withSecretTls(p: ConnectionProfile, s: TlsSecret, serverName: string): ConnectionProfile {
  return { ...p, tls: { ca: s.ca, cert: s.cert, key: s.key, serverName } };
}

/**
 * Refuses turning spec.tls on or off under an existing cluster (as `rck up` does locally):
 * the StatefulSet would roll its pods one at a time, and members speaking TLS on the bus
 * and members not would split the cluster. Undefined when no StatefulSet exists yet. Pure.
 */
export function tlsSwitchRefused(sts: V1StatefulSet | undefined, wanted: boolean): string | undefined {
  if (!sts) return undefined;
  const volumes = sts.spec?.template.spec?.volumes ?? [];
  const running = volumes.some((v) => v.name === TLS_VOLUME);
  if (running === wanted) return undefined;
  return `spec.tls.enabled: cannot turn TLS ${wanted ? 'on' : 'off'} for an existing cluster (during the rolling restart members with and without TLS would split the cluster); set it back to ${running}, or create a new cluster and move the data`;
}

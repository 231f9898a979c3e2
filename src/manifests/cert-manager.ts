/**
 * spec.kubernetes.tls.certManager: cert-manager objects that write the members' TLS Secret.
 * Pure. One Certificate for every member (the Secret the pods mount), named as the Secret,
 * with the names the operator checks (the client Service's) and the headless Service's
 * wildcard, for server and client use (members are each other's clients). Without an
 * issuerRef, the usual private CA bootstrap: a self-signed Issuer signs a CA Certificate,
 * and a CA Issuer from its Secret signs the members' (cert-manager's CA issuer writes ca.crt).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RedisCluster } from '../spec/schema.js';
import { meta, namesOf } from './names.js';

export const CERT_MANAGER_API = 'cert-manager.io/v1';
// The CA lasts 10 years, as the local platform's (docs/tls.md): renewing a CA is not handled.
const CA_DURATION = '87600h';

/**
 * The DNS names of the members' certificate: the client Service's (what the operator checks)
 * and every pod's, also the names members announce with `announce: hostname`.
 */
export function memberDnsNames(rc: RedisCluster): string[] {
  const n = namesOf(rc);
  const svc = `${n.client}.${n.namespace}.svc`;
  const pods = `*.${n.headless}.${n.namespace}.svc`;
  const domain = rc.spec.kubernetes.clusterDomain;
  return [svc, `${svc}.${domain}`, pods, `${pods}.${domain}`];
}

export function certManagerObjects(rc: RedisCluster): KubernetesObject[] {
  const cm = rc.spec.kubernetes.tls.certManager;
  if (!rc.spec.tls.enabled || !cm) return [];
  const n = namesOf(rc);
  const own = !cm.issuerRef;
  const issuerRef = cm.issuerRef ?? { name: `${n.name}-ca`, kind: 'Issuer', group: 'cert-manager.io' };
  const privateKey = { algorithm: 'ECDSA', size: 256 };
  const bootstrap: KubernetesObject[] = own
    ? [
        { apiVersion: CERT_MANAGER_API, kind: 'Issuer', metadata: meta(rc, `${n.name}-selfsigned`), spec: { selfSigned: {} } } as KubernetesObject,
        {
          apiVersion: CERT_MANAGER_API,
          kind: 'Certificate',
          metadata: meta(rc, `${n.name}-ca`),
          spec: {
            isCA: true,
            commonName: `${n.name}-ca`,
            secretName: `${n.name}-ca`,
            duration: CA_DURATION,
            privateKey,
            issuerRef: { name: `${n.name}-selfsigned`, kind: 'Issuer', group: 'cert-manager.io' },
          },
        } as KubernetesObject,
        { apiVersion: CERT_MANAGER_API, kind: 'Issuer', metadata: meta(rc, `${n.name}-ca`), spec: { ca: { secretName: `${n.name}-ca` } } } as KubernetesObject,
      ]
    : [];
  const dnsNames = memberDnsNames(rc);
  const members = {
    apiVersion: CERT_MANAGER_API,
    kind: 'Certificate',
    metadata: meta(rc, n.tlsSecret),
    spec: {
      secretName: n.tlsSecret,
      commonName: dnsNames[0],
      dnsNames,
      duration: cm.duration,
      renewBefore: cm.renewBefore,
      usages: ['server auth', 'client auth', 'digital signature'],
      // A new key at each renewal; the members load it with the certificate (cert-reload.ts).
      privateKey: { ...privateKey, rotationPolicy: 'Always' },
      issuerRef,
    },
  } as KubernetesObject;
  return [...bootstrap, members];
}

/**
 * Certificates for a throw-away control plane, made with the openssl CLI (Node's crypto
 * cannot issue X.509 certificates): a CA, the API server's serving certificate for the
 * loopback address and the in-cluster service names, an admin client certificate in
 * system:masters, and the service-account signing key pair.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const openssl = (args: string[]) => run('openssl', args, { timeout: 30_000 });

export interface CertFiles {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

/** The first address of the default service CIDR: the `kubernetes` Service's cluster IP. */
export const SERVICE_CIDR = '10.0.0.0/24';
const KUBERNETES_SERVICE_IP = '10.0.0.1';

export async function generateCerts(dir: string): Promise<CertFiles> {
  const f = (name: string) => join(dir, name);
  const files: CertFiles = {
    caCert: f('ca.crt'),
    caKey: f('ca.key'),
    serverCert: f('apiserver.crt'),
    serverKey: f('apiserver.key'),
    adminCert: f('admin.crt'),
    adminKey: f('admin.key'),
    saKey: f('sa.key'),
    saPub: f('sa.pub'),
  };
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=rck-test-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-keyout',
    files.caKey,
    '-out',
    files.caCert,
  ]);
  const sans = [
    'IP:127.0.0.1',
    `IP:${KUBERNETES_SERVICE_IP}`,
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ];
  await issue(dir, 'apiserver', '/CN=kube-apiserver', 'serverAuth', sans, files);
  await issue(dir, 'admin', '/O=system:masters/CN=rck-admin', 'clientAuth', [], files);
  await openssl(['genrsa', '-out', files.saKey, '2048']);
  await openssl(['rsa', '-in', files.saKey, '-pubout', '-out', files.saPub]);
  return files;
}

async function issue(dir: string, name: string, subject: string, usage: string, sans: string[], ca: CertFiles) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${usage}`];
  if (sans.length) lines.push(`subjectAltName=${sans.join(',')}`);
  await writeFile(ext, lines.join('\n') + '\n');
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', key, '-out', csr]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.caCert, '-CAkey', ca.caKey, '-CAcreateserial', '-days', '30', '-extfile', ext, '-out', join(dir, `${name}.crt`)]);
}

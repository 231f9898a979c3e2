/** A kubeconfig with the certificates embedded, so it works wherever the file is copied. */
import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { CertFiles } from './certs.js';

const b64 = async (file: string) => (await readFile(file)).toString('base64');

export async function writeKubeconfig(path: string, server: string, certs: CertFiles): Promise<void> {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'rck-test', cluster: { server, 'certificate-authority-data': await b64(certs.caCert) } }],
    users: [
      {
        name: 'rck-admin',
        user: { 'client-certificate-data': await b64(certs.adminCert), 'client-key-data': await b64(certs.adminKey) },
      },
    ],
    contexts: [{ name: 'rck-test', context: { cluster: 'rck-test', user: 'rck-admin' } }],
    'current-context': 'rck-test',
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
}

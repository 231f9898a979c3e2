/** Certificates for the Kubernetes TLS tests, made with the openssl CLI (EC P-256) in a temp dir. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface Pem {
  cert: Buffer;
  key: Buffer;
}

/** A CA in dir/<name>-ca.{crt,key}. */
export async function makeCa(dir: string, name: string): Promise<Pem & { files: { cert: string; key: string } }> {
  const files = { cert: join(dir, `${name}-ca.crt`), key: join(dir, `${name}-ca.key`) };
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    files.key,
    '-out',
    files.cert,
    '-days',
    '30',
    '-subj',
    `/CN=${name} test CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert: await readFile(files.cert), key: await readFile(files.key), files };
}

/** A certificate the CA signed, for server and client use, with these DNS names. */
export async function makeLeaf(dir: string, name: string, ca: { files: { cert: string; key: string } }, dnsNames: string[]): Promise<Pem> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-CA',
    ca.files.cert,
    '-CAkey',
    ca.files.key,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    'extendedKeyUsage=serverAuth,clientAuth',
    '-addext',
    `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`,
  ]);
  return { cert: await readFile(cert), key: await readFile(key) };
}

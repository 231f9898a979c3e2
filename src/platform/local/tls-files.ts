/**
 * The local cluster's TLS material (spec.tls.enabled), in `<state dir>/tls/` (0700):
 *
 *   ca.crt, ca.key             the cluster's own CA (10 years), made by the first `rck up`
 *   client.crt, client.key     the tools' client certificate (rck, the supervisor, rck connect)
 *   <member>.crt, <member>.key each member's certificate (SANs: 127.0.0.1, localhost, its host)
 *
 * Keys are 0600. Made with the openssl CLI (ARCHITECTURE.md says why): one `openssl req
 * -x509` per certificate, EC P-256, the CA signing in the same command (OpenSSL 3). No
 * secret is ever an argument: keys go from file to file. A member's certificate is made
 * again at its start when it is missing, does not name its host, was not issued by this
 * CA, or expires within RENEW_BEFORE_DAYS; a running member's is renewed in place and
 * reloaded with CONFIG SET (tls-renew.ts), without a restart.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InputError, errorText } from '../../errors.js';
import type { ProfileTls } from '../../redis/profile.js';

const run = promisify(execFile);

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** A certificate this close to its end is made again at the member's next start. */
export const RENEW_BEFORE_DAYS = 30;

const OPENSSL_CONF = `# Extensions of the certificates rck makes (tls-files.ts); no secrets here.
[req]
distinguished_name = dn
prompt = no
[dn]
CN = rck
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export interface CertFiles {
  cert: string;
  key: string;
}

export class TlsFiles {
  constructor(readonly dir: string) {}

  get ca(): CertFiles {
    return { cert: join(this.dir, 'ca.crt'), key: join(this.dir, 'ca.key') };
  }
  get client(): CertFiles {
    return this.leaf('client');
  }
  member(name: string): CertFiles {
    return this.leaf(name);
  }
  private leaf(name: string): CertFiles {
    return { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
  }
  private get confFile(): string {
    return join(this.dir, 'openssl.cnf');
  }

  /** The CA and the tools' client certificate, made when missing (`rck up`, before any member starts). */
  async ensureCa(clusterName: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFile(this.confFile, OPENSSL_CONF, { mode: 0o644 });
    if (!(await readCert(this.ca.cert))) {
      await this.make(this.ca, ['-days', String(CA_DAYS), '-extensions', 'ca', '-subj', `/CN=rck CA ${clusterName}`]);
    }
    await this.ensureLeaf('client', 'rck client', []);
  }

  /** The member's certificate for `host`, made (again) when it would not serve (see the file comment). */
  async ensureMember(name: string, host: string): Promise<CertFiles> {
    await this.ensureLeaf(name, name, [host]);
    return this.member(name);
  }

  /** Makes the member's certificate again when it would not serve, or always with `force`; whether it did. */
  async renewMember(name: string, host: string, force = false): Promise<boolean> {
    return this.ensureLeaf(name, name, [host], force);
  }

  /** The same for the tools' client certificate. */
  async renewClient(force = false): Promise<boolean> {
    return this.ensureLeaf('client', 'rck client', [], force);
  }

  /** What the keeper's tools present: the CA to verify members with, and the client certificate. */
  async clientTls(): Promise<ProfileTls> {
    const c = this.client;
    const [ca, cert, key] = await Promise.all([readFile(this.ca.cert), readFile(c.cert), readFile(c.key)]).catch((err: unknown) => {
      throw new InputError(`TLS files in ${this.dir} are missing (${errorText(err)}); run \`rck up\` to make them`, { subject: this.dir });
    });
    return { ca, cert, key, files: { ca: this.ca.cert, cert: c.cert, key: c.key } };
  }

  private async ensureLeaf(name: string, cn: string, hosts: string[], force = false): Promise<boolean> {
    const files = this.leaf(name);
    const [cert, ca] = await Promise.all([readCert(files.cert), readCert(this.ca.cert)]);
    if (!ca) throw new InputError(`no CA in ${this.dir}: run \`rck up\` to make it`, { subject: this.dir });
    if (!force && cert && certServes(cert, ca, hosts, Date.now())) return false;
    const sans = [...new Set(['127.0.0.1', ...hosts])].map((h) => `IP:${h}`).concat('DNS:localhost');
    await this.make(files, [
      '-days',
      String(LEAF_DAYS),
      '-extensions',
      'leaf',
      '-subj',
      `/CN=${cn}`,
      '-CA',
      this.ca.cert,
      '-CAkey',
      this.ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-addext',
      `subjectAltName=${sans.join(',')}`,
    ]);
    return true;
  }

  /** One `openssl req -x509`: a new EC key and its certificate, written beside and then renamed into place. */
  private async make(files: CertFiles, extra: string[]): Promise<void> {
    // The key first, then the certificate: a reader between the two renames (a member starting) fails once and is restarted.
    const tmp = { cert: `${files.cert}.${process.pid}.tmp`, key: `${files.key}.${process.pid}.tmp` };
    const args = ['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-config', this.confFile];
    try {
      await run('openssl', [...args, '-keyout', tmp.key, '-out', tmp.cert, ...extra], { timeout: 30_000 });
      await chmod(tmp.key, 0o600);
      await rename(tmp.key, files.key);
      await rename(tmp.cert, files.cert);
    } catch (err) {
      await Promise.all([rm(tmp.key, { force: true }), rm(tmp.cert, { force: true })]);
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new InputError('spec.tls.enabled: the openssl command was not found (install it: apt-get install openssl)', { subject: 'openssl' });
      const why = (e.stderr ?? '').split('\n').find((l) => l.trim() && !/^-+$/.test(l.trim())) ?? errorText(err);
      throw new InputError(`openssl could not make ${files.cert}: ${why}`, { subject: files.cert });
    }
  }
}

/**
 * Whether a certificate still serves a member at `hosts` (pure): issued by this CA, naming
 * every host, and not within RENEW_BEFORE_DAYS of its end.
 */
export function certServes(cert: X509Certificate, ca: X509Certificate, hosts: string[], now: number): boolean {
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  if (Date.parse(cert.validTo) - now < RENEW_BEFORE_DAYS * 86_400_000) return false;
  return hosts.every((h) => cert.checkIP(h) !== undefined);
}

async function readCert(path: string): Promise<X509Certificate | undefined> {
  const pem = await readFile(path).catch(() => undefined);
  if (!pem) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

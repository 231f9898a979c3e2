/**
 * The local TLS material (platform/local/tls-files.ts) made with the real openssl CLI: the
 * CA and client once, a member's certificate kept while it serves and made again when it
 * does not (another host, another CA, near its end).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENEW_BEFORE_DAYS, TlsFiles, certServes } from '../../src/platform/local/tls-files.js';

describe('TlsFiles (openssl)', () => {
  let dir: string;
  let tls: TlsFiles;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rck-tls-files-'));
    tls = new TlsFiles(join(dir, 'tls'));
    await tls.ensureCa('t');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cert = async (path: string) => new X509Certificate(await readFile(path));

  it('makes the CA and the client certificate once: a second ensureCa keeps both (2 files unchanged); the dir is 0700, keys 0600', async () => {
    const before = [await readFile(tls.ca.cert), await readFile(tls.client.cert)];
    await tls.ensureCa('t');
    expect([await readFile(tls.ca.cert), await readFile(tls.client.cert)]).toEqual(before);
    expect(((await stat(tls.dir)).mode & 0o777).toString(8)).toBe('700');
    for (const k of [tls.ca.key, tls.client.key]) expect(((await stat(k)).mode & 0o777).toString(8)).toBe('600');
    const client = await cert(tls.client.cert);
    expect(client.checkIssued(await cert(tls.ca.cert))).toBe(true);
    expect(client.ca).toBe(false);
  });

  it("a member's certificate names 127.0.0.1, localhost and its host, is kept while it serves, and is made again for another host", async () => {
    const files = await tls.ensureMember('m-0', '127.0.0.7');
    const first = await readFile(files.cert);
    const c = new X509Certificate(first);
    expect(c.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(c.checkIP('127.0.0.7')).toBe('127.0.0.7');
    expect(c.checkHost('localhost')).toBe('localhost');
    expect(((await stat(files.key)).mode & 0o777).toString(8)).toBe('600');
    await tls.ensureMember('m-0', '127.0.0.7');
    expect(await readFile(files.cert)).toEqual(first);
    await tls.ensureMember('m-0', '127.0.0.8');
    const moved = await cert(files.cert);
    expect(moved.checkIP('127.0.0.8')).toBe('127.0.0.8');
    expect(moved.serialNumber).not.toBe(c.serialNumber);
  });

  it('certServes: false for another CA, for a host it does not name, and within the renewal window (3 refusals, 1 pass)', async () => {
    const other = new TlsFiles(join(dir, 'other'));
    await other.ensureCa('o');
    const ca = await cert(tls.ca.cert);
    const m = await cert((await tls.ensureMember('m-1', '127.0.0.1')).cert);
    const now = Date.now();
    expect(certServes(m, ca, ['127.0.0.1'], now)).toBe(true);
    expect(certServes(m, await cert(other.ca.cert), ['127.0.0.1'], now)).toBe(false);
    expect(certServes(m, ca, ['127.0.0.9'], now)).toBe(false);
    expect(certServes(m, ca, ['127.0.0.1'], Date.parse(m.validTo) - (RENEW_BEFORE_DAYS - 1) * 86_400_000)).toBe(false);
  });
});

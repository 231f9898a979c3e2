import { afterEach, describe, expect, it } from 'vitest';
import { connectionFrom } from '../../src/cli/options.js';
import { InputError } from '../../src/errors.js';
import { clientOptions, passwordProfile, redisCliAuth, tlsOptions, withTls } from '../../src/redis/profile.js';

const TLS = {
  ca: Buffer.from('ca-pem'),
  cert: Buffer.from('cert-pem'),
  key: Buffer.from('key-pem'),
  files: { ca: '/s/tls/ca.crt', cert: '/s/tls/client.crt', key: '/s/tls/client.key' },
};

describe('the connection profile with TLS', () => {
  it('without TLS, the 3 outputs are what they were: no tls option, no TLS arguments', () => {
    const p = withTls(passwordProfile('pw', 'rck'), undefined);
    expect(tlsOptions(p)).toBeUndefined();
    expect(clientOptions(p)).toEqual({ password: 'pw', connectionName: 'rck' });
    expect(redisCliAuth(p)).toEqual({ args: [], env: { REDISCLI_AUTH: 'pw' } });
  });

  it("clientOptions carries the CA, certificate and key as ioredis's tls (what a Cluster client needs in redisOptions)", () => {
    const p = withTls(passwordProfile('pw'), TLS);
    expect(clientOptions(p)).toEqual({ password: 'pw', tls: { ca: TLS.ca, cert: TLS.cert, key: TLS.key } });
  });

  it("redisCliAuth gives redis-cli --tls and the 3 files' paths, and the password only in the environment", () => {
    const a = redisCliAuth(withTls(passwordProfile('pw'), TLS));
    expect(a.args).toEqual(['--tls', '--cacert', '/s/tls/ca.crt', '--cert', '/s/tls/client.crt', '--key', '/s/tls/client.key']);
    expect(a.args.join(' ')).not.toContain('pw');
    expect(a.env).toEqual({ REDISCLI_AUTH: 'pw' });
  });

  it('a CA alone (nodes with tls-auth-clients no): --tls --cacert only', () => {
    const a = redisCliAuth(withTls(passwordProfile(undefined), { ca: TLS.ca, files: { ca: '/ca.crt' } }));
    expect(a.args).toEqual(['--tls', '--cacert', '/ca.crt']);
    expect(tlsOptions(withTls(passwordProfile(undefined), { ca: TLS.ca, files: { ca: '/ca.crt' } }))).toEqual({ ca: TLS.ca });
  });
});

describe('--tls/--cacert/--cert/--key (cli/options.ts connectionFrom)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['RCK_CACERT', 'RCK_CERT', 'RCK_KEY']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  const base = { timeout: '3000' };

  it('no TLS flag and no RCK_CACERT: a plaintext profile', () => {
    delete process.env.RCK_CACERT;
    expect(connectionFrom(base).profile?.tls).toBeUndefined();
  });

  it.each([
    [{ tls: true }, /--tls: give the CA certificate with --cacert/],
    [{ cacert: '/nonexistent/ca.crt' }, /--cacert: cannot read \/nonexistent\/ca.crt \(ENOENT\)/],
    [{ cacert: '/nonexistent/ca.crt', cert: '/c.crt' }, /--cert and --key go together/],
  ])('bad TLS flags %j: one InputError line', (flags, message) => {
    delete process.env.RCK_CACERT;
    delete process.env.RCK_CERT;
    delete process.env.RCK_KEY;
    let err: unknown;
    try {
      connectionFrom({ ...base, ...flags });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});

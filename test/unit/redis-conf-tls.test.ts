import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { renderCheckConf, renderMemberConf, renderSharedConf } from '../../src/spec/redis-conf.js';

// Rendered by main at 039c9f5 (before spec.tls existed), for the same inputs as below.
const BEFORE_TLS = {
  shared:
    '# redis.conf for cluster redis-app, rendered by rck from the spec (the ConfigMap).\n# Edit the spec, not this file: rck renders it again from the spec (on every `rck up`, and by the operator).\n# repl-diskless-sync-delay: start replica full syncs at once (default 5 s delay)\ncluster-enabled yes\ncluster-node-timeout 5000\nappendonly yes\nrepl-diskless-sync-delay 0\n',
  member:
    '# Member configuration rendered by rck (the pod): shared conf + address, volume, secret.\ninclude /s/redis.conf\nport 7000\nbind 127.0.0.1\nprotected-mode yes\ndaemonize no\nlogfile ""\ndir /s/m/data\ncluster-config-file nodes.conf\ncluster-announce-ip 127.0.0.1\nrequirepass pw\nmasterauth pw\n',
  memberOther:
    '# Member configuration rendered by rck (the pod): shared conf + address, volume, secret.\ninclude /s/redis.conf\nport 7001\nbind 127.0.0.2\nprotected-mode yes\ndaemonize no\nlogfile ""\ndir /s/m/data\ncluster-config-file nodes.conf\ncluster-announce-ip 127.0.0.2\nbind-source-addr 127.0.0.2\n',
  check:
    'cluster-enabled yes\ncluster-node-timeout 5000\nappendonly yes\nrepl-diskless-sync-delay 0\nport 0\nunixsocket /tmp/c/check.sock\nunixsocketperm 700\ncluster-enabled no\ndir /tmp/c\ndaemonize no\nlogfile ""\nloglevel notice\nsyslog-enabled no\n',
};

const TLS = { certFile: '/s/tls/redis-app-0.crt', keyFile: '/s/tls/redis-app-0.key', caFile: '/s/tls/ca.crt', authClients: true };

describe('spec.tls in the rendered configuration', () => {
  it.each([
    ['absent', '{}'],
    ['enabled: false', 'spec:\n  tls:\n    enabled: false\n    authClients: false\n'],
  ])('TLS off (%s): all 4 renderings are byte-identical to those before spec.tls', (_, text) => {
    const spec = parseSpec(text).spec;
    expect(spec.tls.enabled).toBe(false);
    expect(renderSharedConf(spec, 'redis-app')).toBe(BEFORE_TLS.shared);
    expect(renderMemberConf({ sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7000, dataDir: '/s/m/data', password: 'pw' })).toBe(BEFORE_TLS.member);
    expect(renderMemberConf({ sharedConfPath: '/s/redis.conf', host: '127.0.0.2', port: 7001, dataDir: '/s/m/data' })).toBe(BEFORE_TLS.memberOther);
    expect(renderCheckConf(spec, '/tmp/c').text).toBe(BEFORE_TLS.check);
  });

  it('defaults: enabled false, authClients true', () => {
    expect(parseSpec('{}').spec.tls).toEqual({ enabled: false, authClients: true });
    expect(parseSpec('spec:\n  tls:\n    enabled: true\n').spec.tls).toEqual({ enabled: true, authClients: true });
  });

  it('TLS on: no plaintext port, the member port is the TLS port, replication and the bus over TLS, the 3 files', () => {
    const conf = renderMemberConf({ sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7000, dataDir: '/s/m/data', password: 'pw', tls: TLS });
    const lines = conf.split('\n');
    for (const l of [
      'port 0',
      'tls-port 7000',
      'tls-cert-file /s/tls/redis-app-0.crt',
      'tls-key-file /s/tls/redis-app-0.key',
      'tls-ca-cert-file /s/tls/ca.crt',
      'tls-replication yes',
      'tls-cluster yes',
      'tls-auth-clients yes',
    ])
      expect(lines).toContain(l);
    expect(lines).not.toContain('port 7000');
    expect(lines.filter((l) => l.startsWith('port '))).toEqual(['port 0']);
  });

  it('authClients false renders tls-auth-clients no', () => {
    const conf = renderMemberConf({ sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7000, dataDir: '/d', tls: { ...TLS, authClients: false } });
    expect(conf.split('\n')).toContain('tls-auth-clients no');
  });

  it.each(['tls-port', 'tls-cert-file', 'tls-key-file', 'tls-ca-cert-file', 'tls-replication', 'tls-cluster', 'tls-auth-clients'])(
    'spec.redis.config.%s is refused in favour of spec.tls',
    (key) => {
      expect(() => parseSpec(`spec:\n  redis:\n    config:\n      ${key}: "yes"\n`)).toThrow(/spec\.tls|cannot be overridden/);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { renderMemberConf, renderSharedConf, sharedConfig } from '../../src/spec/redis-conf.js';
import { localDomain } from '../../src/platform/local/member-state.js';

const directives = (text: string) =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(' ')[0]);

describe('shared redis.conf (the ConfigMap)', () => {
  it("renders the seed's settings plus the fast-sync delay, and no secrets or member settings", () => {
    const conf = renderSharedConf(parseSpec('{}').spec, 'redis-app');
    expect(conf).toContain('cluster-enabled yes\n');
    expect(conf).toContain('appendonly yes\n');
    expect(conf).toContain('cluster-node-timeout 5000\n');
    expect(conf).toContain('repl-diskless-sync-delay 0\n');
    for (const k of ['port', 'dir', 'bind', 'requirepass', 'masterauth']) expect(directives(conf)).not.toContain(k);
  });

  it('merges overrides over the seed and renders booleans and quoting', () => {
    const spec = parseSpec('spec:\n  redis:\n    config:\n      cluster-node-timeout: 1000\n      lazyfree-lazy-eviction: true\n      notify-keyspace-events: ""\n').spec;
    const map = new Map(sharedConfig(spec).map((l) => [l.key, l.value]));
    expect(map.get('cluster-node-timeout')).toBe('1000');
    expect(map.get('lazyfree-lazy-eviction')).toBe('yes');
    expect(map.get('notify-keyspace-events')).toBe('""');
  });

  it('persistence off: no AOF and no RDB snapshots', () => {
    const map = new Map(sharedConfig(parseSpec('spec: {persistence: {enabled: false}}').spec).map((l) => [l.key, l.value]));
    expect(map.get('appendonly')).toBe('no');
    expect(map.get('save')).toBe('""');
  });
});

describe('member conf (the pod)', () => {
  it('includes the shared file and sets address, volume and password', () => {
    const conf = renderMemberConf({ sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7001, dataDir: '/s/m/data', password: 'pw' });
    expect(conf).toContain('include /s/redis.conf\n');
    expect(conf).toContain('port 7001\n');
    expect(conf).toContain('bind 127.0.0.1\n');
    expect(conf).toContain('dir /s/m/data\n');
    expect(conf).toContain('requirepass pw\nmasterauth pw\n');
    expect(conf).toContain('cluster-announce-ip 127.0.0.1\n');
    expect(conf).not.toContain('bind-source-addr');
  });
  it('binds outgoing bus connections to other loopback addresses', () => {
    expect(renderMemberConf({ sharedConfPath: '/a', host: '127.0.1.2', port: 1, dataDir: '/d' })).toContain('bind-source-addr 127.0.1.2');
  });
  it('without auth there is no password line', () => {
    expect(renderMemberConf({ sharedConfPath: '/a', host: '127.0.0.1', port: 1, dataDir: '/d' })).not.toMatch(/requirepass|masterauth/);
  });
});

describe('local failure domains', () => {
  it("put the seed's masters on distinct simulated nodes and each replica away from its master", () => {
    const d = Array.from({ length: 6 }, (_, i) => localDomain(i, 3));
    expect(new Set(d.slice(0, 3)).size).toBe(3);
    for (let i = 0; i < 3; i++) expect(d[3 + i]).not.toBe(d[i]);
  });
});

describe('the configuration check (rck up)', () => {
  it('maps each line of the check conf to the spec field it comes from, and serves no TCP port', async () => {
    const { renderCheckConf } = await import('../../src/spec/redis-conf.js');
    const spec = parseSpec('spec: {persistence: {enabled: false}, redis: {config: {maxmemory-policy: sometimes}}}').spec;
    const conf = renderCheckConf(spec, '/tmp/x');
    const lines = conf.text.split('\n');
    const at = (key: string) => conf.sources[lines.findIndex((l) => l.startsWith(`${key} `))];
    expect(at('maxmemory-policy')).toBe('spec.redis.config.maxmemory-policy');
    expect(at('appendonly')).toBe('spec.persistence.enabled');
    expect(at('save')).toBe('spec.persistence.enabled');
    expect(at('repl-diskless-sync-delay')).toBe("rck's own repl-diskless-sync-delay setting");
    expect(lines).toContain('port 0');
    expect(lines).toContain('cluster-enabled no');
    expect(lines.indexOf('cluster-enabled no')).toBeGreaterThan(lines.indexOf('cluster-enabled yes'));
  });

  it("reads Redis's verdict: a fatal config error by line, a later error by its words, ready means accepted", async () => {
    const { judgeCheckOutput } = await import('../../src/platform/local/conf-check.js');
    const sources = ['rck', 'spec.redis.config.maxmemory-policy'];
    const fatal =
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'maxmemory-policy sometimes'\nargument(s) must be one of the following: noeviction\n";
    expect(judgeCheckOutput(fatal, sources, ['maxmemory-policy'])).toEqual({
      field: 'spec.redis.config.maxmemory-policy',
      directive: 'maxmemory-policy sometimes',
      reason: 'argument(s) must be one of the following: noeviction',
    });
    const acl =
      '1:M 01 Dec 2026 03:30:31.455 # WARNING Memory overcommit must be enabled!\n1:M 01 Dec 2026 03:30:31.455 # Spaces not allowed in ACL usernames\n1:M 01 Dec 2026 03:30:31.455 # Critical error while loading ACLs. Exiting.\n';
    expect(judgeCheckOutput(acl, sources, ['user'])).toEqual({
      field: 'spec.redis.config.user',
      reason: 'Spaces not allowed in ACL usernames; Critical error while loading ACLs. Exiting.',
    });
    expect(judgeCheckOutput('1:M 01 Dec 2026 03:30:31.455 * The server is now ready to accept connections at /tmp/x/check.sock\n', sources, [])).toBeUndefined();
    expect(judgeCheckOutput('1:M 01 Dec 2026 03:30:31.455 * Ready to accept connections unix\n', sources, [])).toBeUndefined();
  });
});

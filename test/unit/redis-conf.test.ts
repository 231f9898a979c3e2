import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { renderMemberConf, renderSharedConf, sharedConfig } from '../../src/spec/redis-conf.js';
import { localDomain } from '../../src/platform/local/local-platform.js';

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

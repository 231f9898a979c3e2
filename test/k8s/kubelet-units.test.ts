/** The process kubelet's pure parts: command mapping, $(VAR) expansion, field refs, PV paths. */
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { containerArgv, expandVars } from './kubelet/command.js';
import { fieldValue } from './kubelet/env.js';
import { containerIdentity } from './kubelet/security.js';
import { pvPath } from './kubelet/volumes.js';

const env = new Map([
  ['POD_IP', '127.1.0.7'],
  ['PASS', 's3cret'],
]);

describe('container command', () => {
  it('expands $(VAR), keeps unknown references and unescapes $$', () => {
    expect(expandVars('--bind $(POD_IP) $(NOPE) $$(POD_IP)', env)).toBe('--bind 127.1.0.7 $(NOPE) $(POD_IP)');
  });

  it('follows the redis image entrypoint when only args are given', () => {
    expect(containerArgv({ name: 'r', image: 'redis:7' }, env)).toEqual(['redis-server']);
    expect(containerArgv({ name: 'r', image: 'redis:7', args: ['--port', '7000'] }, env)).toEqual(['redis-server', '--port', '7000']);
    expect(containerArgv({ name: 'r', image: 'redis:7', args: ['/etc/redis/redis.conf'] }, env)).toEqual(['redis-server', '/etc/redis/redis.conf']);
    expect(containerArgv({ name: 'r', image: 'redis:7', args: ['redis-cli', 'ping'] }, env)).toEqual(['redis-cli', 'ping']);
  });

  it('uses command plus args, mapping image-only paths to this machine', () => {
    const c = { name: 'r', image: 'bitnami/redis', command: ['/usr/local/bin/redis-server'], args: ['--requirepass', '$(PASS)'] };
    expect(containerArgv(c, env)).toEqual(['redis-server', '--requirepass', 's3cret']);
    expect(containerArgv({ name: 's', image: 'busybox', command: ['/bin/sh', '-c', 'true'] }, env)[0]).toBe('/bin/sh');
  });

  it('uses a mapped entrypoint for other images', () => {
    const images = [{ image: /\/rck:/, entrypoint: ['node', '/repo/bin/rck'] }];
    expect(containerArgv({ name: 'op', image: 'ghcr.io/x/rck:1', args: ['operator'] }, env, images)).toEqual(['node', '/repo/bin/rck', 'operator']);
  });

  it('refuses a non-redis image without a command', () => {
    expect(() => containerArgv({ name: 'x', image: 'nginx' }, env)).toThrow(/no known entrypoint/);
  });
});

describe('pod fields', () => {
  const pod: V1Pod = {
    metadata: { name: 'kv-0', namespace: 'ns', uid: 'u1', labels: { app: 'kv' } },
    spec: { nodeName: 'rck-node-a', containers: [], securityContext: { runAsUser: 999, fsGroup: 1000 } },
  };

  it('resolves fieldRef paths', () => {
    expect(fieldValue(pod, 'metadata.name', '127.1.0.1', '127.0.0.1')).toBe('kv-0');
    expect(fieldValue(pod, "metadata.labels['app']", '127.1.0.1', '127.0.0.1')).toBe('kv');
    expect(fieldValue(pod, 'status.podIP', '127.1.0.1', '127.0.0.1')).toBe('127.1.0.1');
    expect(() => fieldValue(pod, 'spec.bogus', '', '')).toThrow(/unsupported fieldRef/);
  });

  it('takes the user from the container over the pod, and fsGroup as a supplementary group', () => {
    expect(containerIdentity(pod, { name: 'c' })).toEqual({ uid: 999, gid: 999, groups: [1000] });
    expect(containerIdentity(pod, { name: 'c', securityContext: { runAsUser: 5, runAsGroup: 6 } })).toEqual({ uid: 5, gid: 6, groups: [1000] });
    expect(containerIdentity({ spec: { containers: [] } }, { name: 'c' })).toBeUndefined();
  });

  it('maps an NFS volume to a directory under the NFS root, without escaping it', () => {
    expect(pvPath({ spec: { nfs: { server: 'nfs1', path: '/exports/a' } } }, '/h/nfs')).toBe('/h/nfs/nfs1/exports/a');
    expect(pvPath({ spec: { nfs: { server: 'nfs1', path: '../../etc' } } }, '/h/nfs')).toBe('/h/nfs/nfs1/etc');
    expect(pvPath({ spec: { local: { path: '/mnt/disk1' } } }, '/h/nfs')).toBe('/mnt/disk1');
  });
});

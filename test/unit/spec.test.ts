import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError } from '../../src/errors.js';
import { defaultCluster, parseSpec } from '../../src/spec/load.js';
import { redisClusterSchema } from '../../src/spec/schema.js';

function specError(yaml: string): string {
  try {
    parseSpec(yaml, 'cluster.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected the spec to be rejected');
}

describe('spec defaults', () => {
  it('an empty object is the seed: redis-app, 3 masters x 1 replica, persistence and auth on', () => {
    const c = parseSpec('{}', 'cluster.yaml');
    expect(c).toEqual(defaultCluster());
    expect(c.apiVersion).toBe('rck.dev/v1alpha1');
    expect(c.kind).toBe('RedisCluster');
    expect(c.metadata.name).toBe('redis-app');
    expect(c.spec.masters).toBe(3);
    expect(c.spec.replicasPerMaster).toBe(1);
    expect(c.spec.placement).toBe('ordinal');
    expect(c.spec.persistence.enabled).toBe(true);
    expect(c.spec.auth.enabled).toBe(true);
    expect(c.spec.local).toEqual({ host: '127.0.0.1', basePort: 7000, portCount: 100 });
  });

  it('keeps given values and fills the rest', () => {
    const c = parseSpec('metadata: {name: shop}\nspec:\n  masters: 4\n  redis: {config: {maxmemory: 100mb}}\n', 'x');
    expect(c.metadata.name).toBe('shop');
    expect(c.spec.masters).toBe(4);
    expect(c.spec.replicasPerMaster).toBe(1);
    expect(c.spec.redis.config).toEqual({ maxmemory: '100mb' });
  });

  it('yields a JSON schema for the CRD', () => {
    const js = z.toJSONSchema(redisClusterSchema, { io: 'input' }) as { properties: Record<string, unknown> };
    expect(Object.keys(js.properties)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });
});

describe('spec errors: one line with the field, the reason and the value', () => {
  it('an empty file, or one with only comments or null, is refused (as kubectl does)', () => {
    for (const text of ['', '\n\n', '# nothing here\n', 'null\n', '---\n']) {
      expect(specError(text)).toBe('cluster.yaml: the spec file is empty: no RedisCluster in it; nothing was done');
    }
  });
  it('unknown field', () => {
    expect(specError('spec:\n  replicas: 1\n')).toBe('cluster.yaml: spec.replicas: unknown field');
  });
  it('too few masters', () => {
    const m = specError('spec: {masters: 2}');
    expect(m).toContain('spec.masters');
    expect(m).toContain('at least 3 masters');
    expect(m).toContain('(got 2)');
  });
  it('wrong type', () => {
    expect(specError('spec: {replicasPerMaster: "one"}')).toContain('spec.replicasPerMaster: expected a number (got "one")');
  });
  it('an owned redis setting, with the reason', () => {
    const m = specError('spec: {redis: {config: {port: 6380}}}');
    expect(m).toContain('spec.redis.config.port: cannot be overridden');
    expect(m).toContain('assigns each member its port');
  });
  it('cluster-enabled cannot be overridden', () => {
    expect(specError('spec: {redis: {config: {cluster-enabled: "no"}}}')).toContain('spec.redis.config.cluster-enabled: cannot be overridden');
  });
  it('a port range that does not fit the members or the bus ports', () => {
    expect(specError('spec: {local: {portCount: 3}}')).toContain('spec.local.portCount: must be at least the member count 6');
    expect(specError('spec: {local: {basePort: 55530}}')).toContain('exceeds 55535');
  });
  it('a non-loopback host', () => {
    expect(specError('spec: {local: {host: 0.0.0.0}}')).toContain('spec.local.host: must be a loopback IPv4 address');
  });
  it('a bad name, the wrong kind, invalid YAML', () => {
    expect(specError('metadata: {name: My_App}')).toContain('metadata.name: must be a DNS label');
    expect(specError('kind: Deployment')).toContain('kind: expected "RedisCluster"');
    expect(specError('spec: [1, 2')).toMatch(/^cluster\.yaml(:\d+)?: invalid YAML/);
  });
});

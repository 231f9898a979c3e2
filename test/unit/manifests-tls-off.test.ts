/**
 * With TLS off, the rendered objects are exactly what rck rendered before spec.tls reached
 * Kubernetes: the fixture was written from the renderer of main at ab3e6aa (before this
 * work), for three specs, and re-made twice since: when start.sh learnt external access, and
 * when the pods learnt rck's own users (the auth volume, the probes' and start.sh's logins). A change to redis.conf, resources or the image would restart every running
 * member (the rollout); other changes must be deliberate: re-make the fixture with them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCluster } from '../../src/manifests/render.js';
import { validateSpec } from '../../src/spec/load.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/manifests-tls-off.json', import.meta.url), 'utf8')) as Record<string, { spec: unknown; objects: unknown[] }>;

describe('TLS off renders the objects rendered before Kubernetes TLS', () => {
  it.each(Object.keys(fixture))('%s: byte-identical objects', (name) => {
    const { spec, objects } = fixture[name]!;
    const rendered = renderCluster(validateSpec({ metadata: { name: 'golden', namespace: 'ns' }, spec }), { password: 'pw' });
    expect(JSON.stringify(rendered, null, 1)).toBe(JSON.stringify(objects, null, 1));
  });
  it('the fixture holds 3 specs', () => expect(Object.keys(fixture)).toHaveLength(3));
});

/** External access (spec.kubernetes.externalAccess): the rendered Services, the spec's refusal, and the announce rule. */
import { describe, expect, it } from 'vitest';
import { externalServices } from '../../src/manifests/external.js';
import { renderCluster } from '../../src/manifests/render.js';
import { planHeal } from '../../src/plan/heal/index.js';
import { type DesiredShape, desiredShape } from '../../src/spec/desired-shape.js';
import { validateSpec } from '../../src/spec/load.js';
import type { Observation } from '../../src/topology/observation.js';
import { observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };

function withExternal(announced: { hostname: string; preferred: string }, external: Record<string, string>): Observation {
  const obs = observation(seedMembers());
  for (const m of obs.members) {
    m.node!.announced = announced;
    if (external[m.name]) m.external = external[m.name];
  }
  return obs;
}

describe('external access', () => {
  it('renders one LoadBalancer Service per member, selecting its pod by name', () => {
    const rc = validateSpec({ metadata: { name: 'shop', namespace: 'ns' }, spec: { kubernetes: { externalAccess: { type: 'LoadBalancer', annotations: { a: 'b' } } } } });
    const svcs = externalServices(rc);
    expect(svcs.map((s) => s.metadata?.name)).toEqual(['shop-0-external', 'shop-1-external', 'shop-2-external', 'shop-3-external', 'shop-4-external', 'shop-5-external']);
    expect(svcs[2]).toMatchObject({
      metadata: { namespace: 'ns', annotations: { a: 'b' }, labels: { 'rck.dev/external-for': 'shop-2' } },
      spec: { type: 'LoadBalancer', selector: { 'statefulset.kubernetes.io/pod-name': 'shop-2' }, ports: [{ port: 6379, targetPort: 6379 }] },
    });
    expect(renderCluster(rc, { password: 'x' }).filter((o) => o.kind === 'Service')).toHaveLength(8);
    expect(externalServices(validateSpec({ spec: {} }))).toEqual([]);
  });

  it('refuses external access together with announce: hostname', () => {
    expect(() => validateSpec({ spec: { kubernetes: { announce: 'hostname', externalAccess: { type: 'LoadBalancer' } } } })).toThrow(/externalAccess.*announce: hostname/);
    expect(() => validateSpec({ spec: { kubernetes: { externalAccess: { type: 'NodePort' } } } })).toThrow(/externalAccess/);
  });

  it('has each member with a load balancer announce it, once', () => {
    const plan = planHeal(withExternal({ hostname: '', preferred: 'ip' }, { 'r-0': '198.51.100.7', 'r-4': 'lb.example.com' }), desired);
    expect(plan.actions.map((a) => a.kind === 'announce' && `${a.member} ${a.hostname}`)).toEqual(['r-0 198.51.100.7', 'r-4 lb.example.com']);
    const done = planHeal(withExternal({ hostname: '198.51.100.7', preferred: 'hostname' }, { 'r-0': '198.51.100.7' }), desired);
    expect(done.actions).toEqual([]);
  });

  it('external access turned off: each of the 6 members still announcing a load balancer goes back to its IP; announce: hostname is left alone', () => {
    const leftover = withExternal({ hostname: '198.51.100.7', preferred: 'hostname' }, {});
    const off = planHeal(leftover, { ...desired, clientEndpoint: 'ip' });
    expect(off.actions).toHaveLength(6);
    expect(off.actions.every((a) => a.kind === 'announce' && a.hostname === '' && a.preferred === 'ip')).toBe(true);
    expect(planHeal(leftover, { ...desired, clientEndpoint: 'hostname' }).actions).toEqual([]);
    expect(planHeal(withExternal({ hostname: '', preferred: 'ip' }, {}), { ...desired, clientEndpoint: 'ip' }).actions).toEqual([]);
  });

  it('what members announce is checked only while the spec leaves it to rck', () => {
    const shape = (spec: object) => desiredShape(validateSpec({ spec }).spec).clientEndpoint;
    expect(shape({})).toBe('ip');
    expect(shape({ kubernetes: { announce: 'hostname' } })).toBe('hostname');
    expect(shape({ kubernetes: { externalAccess: { type: 'LoadBalancer' } } })).toBe('load-balancer');
    expect(shape({ redis: { config: { 'cluster-preferred-endpoint-type': 'hostname' } } })).toBeUndefined();
  });
});

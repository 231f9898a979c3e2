/** `rck render operator`: the install bundle in cluster-wide and namespaced mode (pure; test/k8s applies it). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NAMESPACED_RULES, renderOperator } from '../../src/manifests/operator.js';
import { DEFAULT_IMAGE } from '../../src/version.js';

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string }; rules?: { resources: string[]; verbs: string[] }[]; spec?: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed manifests
const kinds = (objs: Obj[]) => objs.map((o) => o.kind);
const all = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const deployment = (objs: Obj[]) => all(objs, 'Deployment')[0]!.spec;

describe('the operator bundle', () => {
  it('cluster-wide: a ClusterRole with exactly the rights used, leases only in its namespace, a Deployment and its PDB', () => {
    const objs = renderOperator({ namespace: 'rck-system' }) as Obj[];
    expect(kinds(objs)).toEqual([
      'CustomResourceDefinition',
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Deployment',
      'PodDisruptionBudget',
    ]);
    const rules = JSON.stringify(all(objs, 'ClusterRole')[0]!.rules);
    expect(rules).not.toContain('"*"');
    expect(rules).not.toContain('leases');
    expect(rules).toContain('persistentvolumes');
    const role = all(objs, 'Role')[0]!;
    expect(role.metadata?.namespace).toBe('rck-system');
    expect(role.rules!.flatMap((r) => r.resources)).toEqual(['leases']);
    const d = deployment(objs);
    // /metrics on the pod IP (Prometheus scrapes it), the web view on loopback.
    expect(d.template.spec.containers[0].args).toEqual(['operator', '--metrics-address', '[$(POD_IP)]:9108', '--web-address', '127.0.0.1:9109']);
    expect(d.template.spec.containers[0].env).toContainEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    // Two replicas and a PDB that lets one go at a time: a drain never leaves the clusters without a candidate.
    expect(d.replicas).toBe(2);
    expect(all(objs, 'PodDisruptionBudget')[0]!.spec).toEqual({ maxUnavailable: 1, selector: d.selector });
    expect(d.template.spec.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(d.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
  });

  it('defaults to the image scripts/build-image.sh tags: localhost/rck:<package version>', () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    expect(DEFAULT_IMAGE).toBe(`localhost/rck:${version}`);
    expect(deployment(renderOperator({ namespace: 'ops' }) as Obj[]).template.spec.containers[0].image).toBe(DEFAULT_IMAGE);
    expect(readFileSync(new URL('../../scripts/build-image.sh', import.meta.url), 'utf8')).toContain('TAG="${TAG:-localhost/rck:${version}}"');
    expect(deployment(renderOperator({ namespace: 'ops', image: 'registry.example.com/rck:1' }) as Obj[]).template.spec.containers[0].image).toBe('registry.example.com/rck:1');
  });

  it('namespaced: a Role in the watched namespace, no cluster-wide rights beyond reading nodes, and the operator told to watch only there', () => {
    const objs = renderOperator({ namespace: 'rck-system', watchNamespace: 'shop', replicas: 1 }) as Obj[];
    const roles = all(objs, 'Role');
    expect(roles.map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`)).toEqual(['shop/rck-operator', 'rck-system/rck-operator-leader-election']);
    expect(roles[0]!.rules).toEqual(NAMESPACED_RULES);
    const bindings = all(objs, 'RoleBinding') as { metadata: { namespace: string }; roleRef: { kind: string; name: string }; subjects: unknown[] }[];
    expect(bindings[0]).toMatchObject({
      metadata: { namespace: 'shop' },
      roleRef: { kind: 'Role', name: 'rck-operator' },
      subjects: [{ name: 'rck-operator', namespace: 'rck-system' }],
    });
    const clusterRoles = all(objs, 'ClusterRole');
    expect(clusterRoles).toHaveLength(1);
    expect(clusterRoles[0]!.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
    // Named after the operator's namespace: two namespaced installs do not overwrite each other.
    expect(clusterRoles[0]!.metadata?.name).toBe('rck-operator-rck-system-nodes');
    expect(deployment(objs).template.spec.containers[0].args).toEqual([
      'operator',
      '--namespace',
      'shop',
      '--metrics-address',
      '[$(POD_IP)]:9108',
      '--web-address',
      '127.0.0.1:9109',
    ]);
    expect(deployment(objs).replicas).toBe(1);
  });

  it('refuses bad input with one clear line', () => {
    expect(() => renderOperator({ namespace: 'rck-system', watchNamespace: 'Shop_1' })).toThrow(/^--watch-namespace: "Shop_1" is not a namespace name/);
    expect(() => renderOperator({ namespace: '' })).toThrow(/^--namespace: "" is not a namespace name/);
    expect(() => renderOperator({ namespace: 'ops', replicas: 0 })).toThrow(/^--replicas: expected a whole number of at least 1, got 0/);
  });
});

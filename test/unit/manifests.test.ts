/** The Kubernetes objects rendered from the spec (pure); the API server validates them in test/k8s. */
import type { V1ConfigMap, V1PersistentVolume, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { redisClusterCrd, specOpenApiSchema } from '../../src/manifests/crd.js';
import { renderCluster } from '../../src/manifests/render.js';
import { defaultCluster, validateSpec } from '../../src/spec/load.js';

const kinds = (objs: { kind?: string }[]) => objs.map((o) => o.kind);
// Rendered as JSON/YAML spells it (`from`), not as the client's model (`_from`).
type Policy = { spec: { ingress: { from?: unknown[] }[] } };
const find = <T>(objs: { kind?: string }[], kind: string) => objs.find((o) => o.kind === kind) as T;

describe('rendering a cluster', () => {
  it('renders the seed as Secret, ConfigMap, Services, a StatefulSet of 6, PDB and NetworkPolicy', () => {
    const objs = renderCluster(defaultCluster(), { password: 'pw' });
    expect(kinds(objs)).toEqual(['Secret', 'ConfigMap', 'Service', 'Service', 'StatefulSet', 'PodDisruptionBudget', 'NetworkPolicy']);
    const sts = find<V1StatefulSet>(objs, 'StatefulSet');
    expect(sts.apiVersion).toBe('apps/v1');
    expect(sts.metadata?.name).toBe('redis-app');
    expect(sts.spec?.replicas).toBe(6);
    const pod = sts.spec!.template.spec!;
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
    expect(pod.containers[0]!.lifecycle?.preStop?.exec?.command).toEqual(['sh', '/etc/rck/prestop.sh']);
    // The password reaches the pod from the Secret, never in the template.
    expect(JSON.stringify(sts)).not.toContain('"pw"');
    expect(pod.containers[0]!.env).toContainEqual({ name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: 'redis-app-auth', key: 'password' } } });
  });

  it('renders no Secret with an existing one, and no password at all without auth', () => {
    expect(kinds(renderCluster(defaultCluster(), { existingSecret: true }))).not.toContain('Secret');
    const noAuth = validateSpec({ spec: { auth: { enabled: false } } });
    const sts = find<V1StatefulSet>(renderCluster(noAuth, { password: 'pw' }), 'StatefulSet');
    expect(JSON.stringify(sts)).not.toContain('REDISCLI_AUTH');
  });

  it('requires anti-affinity on request', () => {
    const rc = validateSpec({ spec: { kubernetes: { antiAffinity: 'required' } } });
    const sts = find<V1StatefulSet>(renderCluster(rc, { password: 'pw' }), 'StatefulSet');
    expect(sts.spec!.template.spec!.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it('renders one correctly named NFS volume per member, pre-bound to its claim', () => {
    const rc = validateSpec({ spec: { kubernetes: { storage: { nfs: { server: '10.0.0.5', path: '/exports/redis' } } } } });
    const objs = renderCluster(rc, { password: 'pw' });
    const pvs = objs.filter((o) => o.kind === 'PersistentVolume') as V1PersistentVolume[];
    expect(pvs.map((p) => p.metadata?.name)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `redis-app-pv-${i}`));
    expect(pvs[2]!.spec?.claimRef).toEqual({ namespace: 'default', name: 'data-redis-app-2' });
    expect(pvs[2]!.spec?.nfs).toEqual({ server: '10.0.0.5', path: '/exports/redis/redis-app-2' });
    const sts = find<V1StatefulSet>(objs, 'StatefulSet');
    expect(sts.spec!.volumeClaimTemplates![0]!.spec?.storageClassName).toBe('');
  });

  it('opens the bus port only between members and the client port to the allowed clients', () => {
    const open = find<Policy>(renderCluster(defaultCluster(), { password: 'pw' }), 'NetworkPolicy');
    expect(open.spec.ingress[0]!.from).toBeUndefined();
    expect(open.spec.ingress[1]!.from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis-cluster', 'rck.dev/cluster': 'redis-app' } } }]);
    const rc = validateSpec({ spec: { kubernetes: { clientAllowedFrom: [{ podLabels: { role: 'api' } }, { cidr: '10.0.0.0/8' }] } } });
    const np = find<Policy>(renderCluster(rc, { password: 'pw' }), 'NetworkPolicy');
    expect(np.spec.ingress[0]!.from).toContainEqual({ podSelector: { matchLabels: { role: 'api' } } });
    expect(np.spec.ingress[0]!.from).toContainEqual({ ipBlock: { cidr: '10.0.0.0/8' } });
  });
});

describe('the RedisCluster CRD', () => {
  it('has a structural schema derived from the spec schema', () => {
    const text = JSON.stringify(specOpenApiSchema());
    for (const bad of ['$schema', '"additionalProperties":false', '"const"', '"anyOf"', 'propertyNames']) expect(text).not.toContain(bad);
    const spec = specOpenApiSchema() as { properties: Record<string, { minimum?: number; default?: unknown }> };
    expect(spec.properties.masters).toMatchObject({ minimum: 3, default: 3 });
    expect(spec.properties.local).toBeUndefined();
    expect(redisClusterCrd().spec.versions[0]!.subresources).toEqual({ status: {} });
  });
});

describe("spec.auth on Kubernetes: users, rck's own users, the default user off", () => {
  const users = [
    { name: 'app', rules: "~* +@all -flushall 'x'" },
    { name: 'reader', rules: '~* +@read', passwordSecret: 'reader-pw' },
  ];
  const rc = validateSpec({ metadata: { name: 'acl', namespace: 'ns' }, spec: { auth: { users, defaultUser: 'off' } } });

  it("mounts rck's own passwords (optional: older Secrets lack them) and each user's Secret at /etc/rck-auth, 0440", () => {
    const pod = find<V1StatefulSet>(renderCluster(rc, { existingSecret: true }), 'StatefulSet').spec!.template.spec!;
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'auth', mountPath: '/etc/rck-auth', readOnly: true });
    const auth = pod.volumes!.find((v) => v.name === 'auth')!.projected!;
    expect(auth.defaultMode).toBe(0o440);
    expect(auth.sources).toEqual([
      {
        secret: {
          name: 'acl-auth',
          items: [
            { key: 'admin', path: 'rck-admin' },
            { key: 'replication', path: 'rck-replication' },
          ],
          optional: true,
        },
      },
      { secret: { name: 'acl-user-app', items: [{ key: 'password', path: 'users/app' }] } },
      { secret: { name: 'reader-pw', items: [{ key: 'password', path: 'users/reader' }] } },
    ]);
  });

  it('start.sh turns the default user off and writes one user line per user, rules quoted for sh; the probes log in as rck-admin', () => {
    const objs = renderCluster(rc, { existingSecret: true });
    const start = find<V1ConfigMap>(objs, 'ConfigMap').data!['start.sh']!;
    expect(start).toContain("echo 'user default off resetpass resetkeys resetchannels -@all'");
    expect(start).not.toContain('requirepass');
    expect(start).toContain(`printf 'user %s %s ">%s" %s%s\\n' app "$user_state" "$(esc "$(cat /etc/rck-auth/users/app)")" '~* +@all -flushall '\\''x'\\''' "$user_tail"`);
    expect(start).toContain('masteruser rck-replication');
    const c = find<V1StatefulSet>(objs, 'StatefulSet').spec!.template.spec!.containers[0]!;
    expect(c.readinessProbe!.exec!.command![2]).toContain("login='--user rck-admin'");
  });

  it("renders the cluster's Secret with rck's own passwords and a Secret per user without passwordSecret", () => {
    const objs = renderCluster(rc, { password: 'pw', admin: 'apw', replication: 'rpw', users: { app: 'upw', reader: 'unused' } });
    const secrets = objs.filter((o) => o.kind === 'Secret') as Array<{ metadata: { name: string }; stringData: Record<string, string> }>;
    expect(secrets.map((x) => [x.metadata.name, x.stringData])).toEqual([
      ['acl-auth', { password: 'pw', admin: 'apw', replication: 'rpw' }],
      ['acl-user-app', { password: 'upw' }],
    ]);
  });

  it('adding a user restarts the members (the restart hash changes); a spec without users or defaultUser keeps its hash', () => {
    const hash = (spec: object) =>
      find<V1StatefulSet>(renderCluster(validateSpec({ metadata: { name: 'acl' }, spec }), { existingSecret: true }), 'StatefulSet').spec!.template.metadata!.annotations![
        'rck.dev/restart-hash'
      ];
    expect(hash({ auth: { users: [{ name: 'app', rules: '~*' }] } })).not.toBe(hash({}));
    expect(hash({ auth: { defaultUser: 'on' } })).toBe(hash({}));
  });

  it('a user name that cannot name its Secret is refused in one line, unless passwordSecret is given', () => {
    const bad = validateSpec({ spec: { auth: { users: [{ name: 'App_1', rules: '~*' }] } } });
    expect(() => renderCluster(bad, { password: 'pw' })).toThrow(/^spec\.auth\.users\[0\]\.name: "App_1" cannot name its Secret/);
    const given = validateSpec({ spec: { auth: { users: [{ name: 'App_1', rules: '~*', passwordSecret: 'app-pw' }] } } });
    expect(() => renderCluster(given, { password: 'pw' })).not.toThrow();
  });
});

describe('spec.tls on Kubernetes', () => {
  const TLS_FLAGS = '--tls --cacert /etc/rck-tls/ca.crt --cert /etc/rck-tls/tls.crt --key /etc/rck-tls/tls.key';
  const render = (spec: object) => renderCluster(validateSpec({ metadata: { name: 'app', namespace: 'ns' }, spec }), { password: 'pw' });

  it('mounts the Secret <name>-tls (0440) read-only at /etc/rck-tls; the ConfigMap gains tls.conf with the 8 TLS lines, included by start.sh instead of the port', () => {
    const objs = render({ tls: { enabled: true } });
    const pod = find<V1StatefulSet>(objs, 'StatefulSet').spec!.template.spec!;
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'app-tls', defaultMode: 0o440 } });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/rck-tls', readOnly: true });
    const cm = find<V1ConfigMap>(objs, 'ConfigMap').data!;
    expect(cm['tls.conf']!.split('\n')).toEqual([
      'port 0',
      'tls-port 6379',
      'tls-cert-file /etc/rck-tls/tls.crt',
      'tls-key-file /etc/rck-tls/tls.key',
      'tls-ca-cert-file /etc/rck-tls/ca.crt',
      'tls-replication yes',
      'tls-cluster yes',
      'tls-auth-clients yes',
      '',
    ]);
    expect(cm['start.sh']).toContain('echo "include /etc/rck/tls.conf"');
    expect(cm['start.sh']).not.toContain('echo "port 6379"');
    // The shared redis.conf does not change: TLS is in the member's own part, as locally.
    expect(cm['redis.conf']).toBe(find<V1ConfigMap>(render({}), 'ConfigMap').data!['redis.conf']);
  });

  it('the readiness and liveness probes and the preStop handover (4 redis-cli calls) speak TLS with the mounted files', () => {
    const objs = render({ tls: { enabled: true } });
    const c = find<V1StatefulSet>(objs, 'StatefulSet').spec!.template.spec!.containers[0]!;
    expect(c.readinessProbe!.exec!.command![2]).toContain(`--no-auth-warning $login ${TLS_FLAGS} info replication`);
    // No TCP probe: a connection without a TLS handshake makes Redis log a warning each time.
    expect(c.livenessProbe!.tcpSocket).toBeUndefined();
    expect(c.livenessProbe!.exec!.command![2]).toContain(`--no-auth-warning ${TLS_FLAGS} ping >/dev/null`);
    const prestop = find<V1ConfigMap>(objs, 'ConfigMap').data!['prestop.sh']!;
    expect(prestop.split(TLS_FLAGS).length - 1).toBe(2); // me() and the CLUSTER FAILOVER on the replica
    expect(prestop).toContain(`--no-auth-warning $login ${TLS_FLAGS} cluster failover`);
  });

  it('names the Secret given in spec.kubernetes.tls.secretName and renders tls-auth-clients no on request', () => {
    const objs = render({ tls: { enabled: true, authClients: false }, kubernetes: { tls: { secretName: 'wildcard-cert' } } });
    const pod = find<V1StatefulSet>(objs, 'StatefulSet').spec!.template.spec!;
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'wildcard-cert', defaultMode: 0o440 } });
    expect(find<V1ConfigMap>(objs, 'ConfigMap').data!['tls.conf']).toContain('tls-auth-clients no\n');
  });

  it("certManager renders the CA bootstrap and the members' Certificate (4 objects) before the StatefulSet; none with TLS off", () => {
    const kinds = (spec: object) => render(spec).map((o) => `${o.kind}/${o.metadata!.name}`);
    expect(kinds({ tls: { enabled: true }, kubernetes: { tls: { certManager: {} } } })).toEqual([
      'Secret/app-auth',
      'ConfigMap/app-config',
      'Issuer/app-selfsigned',
      'Certificate/app-ca',
      'Issuer/app-ca',
      'Certificate/app-tls',
      'Service/app-headless',
      'Service/app',
      'StatefulSet/app',
      'PodDisruptionBudget/app',
      'NetworkPolicy/app',
    ]);
    expect(kinds({ kubernetes: { tls: { certManager: {} } } }).filter((k) => /Issuer|Certificate/.test(k))).toEqual([]);
  });

  it("the members' Certificate names the client Service and the pods under the cluster's DNS domain (4 names)", () => {
    const cert = render({ tls: { enabled: true }, kubernetes: { clusterDomain: 'corp.example', tls: { certManager: {} } } }).find(
      (o) => o.metadata!.name === 'app-tls',
    ) as unknown as {
      spec: { dnsNames: string[] };
    };
    expect(cert.spec.dnsNames).toEqual(['app.ns.svc', 'app.ns.svc.corp.example', '*.app-headless.ns.svc', '*.app-headless.ns.svc.corp.example']);
  });

  it('TLS off: no tls volume, no tls.conf, no TLS flag anywhere', () => {
    const text = JSON.stringify(render({ kubernetes: { tls: { secretName: 'unused' } } }));
    expect(text).not.toMatch(/rck-tls|tls\.conf|--tls|unused/);
  });
});

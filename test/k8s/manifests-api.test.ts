/**
 * The rendered objects against the real API server: every object of a cluster passes
 * server-side apply with dryRun=All (the API server's schemas, defaulting and admission),
 * the RedisCluster CRD installs, and invalid RedisCluster objects are refused with a clear message.
 */
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION, redisClusterCrd } from '../../src/manifests/crd.js';
import { renderOperator } from '../../src/manifests/operator.js';
import { renderCluster } from '../../src/manifests/render.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import { defaultCluster, validateSpec } from '../../src/spec/load.js';
import { missingPaths } from './dropped-fields.js';
import { type K8sTestEnv, startK8sTestEnv } from './harness.js';
import { waitFor } from './wait.js';

const NS = 'rck-render';

let env: K8sTestEnv;
let applier: Applier;

beforeAll(async () => {
  env = await startK8sTestEnv();
  applier = new Applier(env.kc);
  await env.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
}, 60 * 60_000);
afterAll(async () => env?.stop(), 120_000);

describe('rendered objects on the API server', { timeout: 120_000 }, () => {
  const variants = {
    seed: defaultCluster(),
    'nfs, required anti-affinity, allowed clients': validateSpec({
      metadata: { name: 'orders' },
      spec: {
        masters: 4,
        replicasPerMaster: 2,
        kubernetes: {
          antiAffinity: 'required',
          storage: { nfs: { server: '10.0.0.5', path: '/exports/redis' } },
          clientAllowedFrom: [{ podLabels: { app: 'api' }, namespaceLabels: { team: 'shop' } }, { cidr: '10.1.0.0/16' }],
        },
      },
    }),
  };
  for (const [name, rc] of Object.entries(variants)) {
    it(`accepts every object of ${name} (server-side apply, dryRun=All)`, async () => {
      rc.metadata.namespace = NS;
      const objs = renderCluster(rc, { password: 'not-a-real-password' });
      const applied = await applier.applyAll(objs, { dryRun: 'All' });
      expect(applied.map((o) => o.kind)).toEqual(objs.map((o) => o.kind));
      // The bus port rule kept its peers through the client's serialization (its model spells it _from).
      const np = applied.find((o) => o.kind === 'NetworkPolicy') as unknown as { spec: { ingress: { _from?: unknown[] }[] } };
      expect(np.spec.ingress[1]!._from).toHaveLength(1);
      // Nothing rendered was dropped on the way (the client silently drops keys its models do not know).
      const dropped = objs.flatMap((o, i) => missingPaths(o.kind === 'Secret' ? { ...o, stringData: undefined } : o, applied[i], o.kind ?? '?'));
      expect(dropped).toEqual([]);
    });
  }

  for (const [mode, watchNamespace] of [
    ['cluster-wide', undefined],
    ['namespaced', NS],
  ] as const) {
    it(`accepts the operator bundle, ${mode} (dryRun=All)`, async () => {
      // dryRun creates no namespace, so the namespaced objects go to an existing one.
      const objs = renderOperator({ namespace: NS, image: 'rck:test', watchNamespace }).filter((o) => o.kind !== 'Namespace');
      const applied = await applier.applyAll(objs, { dryRun: 'All' });
      expect(applied.map((o) => o.kind)).toContain('PodDisruptionBudget');
      // The CRD's schema keywords are renamed for the client (_default, x_kubernetes_...): the CRD test below checks it.
      expect(objs.flatMap((o, i) => (o.kind === 'CustomResourceDefinition' ? [] : missingPaths(o, applied[i], o.kind ?? '?')))).toEqual([]);
    });
  }

  it('installs the CRD, defaults a RedisCluster and refuses invalid ones with a clear message', async () => {
    await applier.apply(redisClusterCrd());
    const ext = env.kc.makeApiClient(ApiextensionsV1Api);
    await waitFor('CRD established', async () => {
      const crd = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
    const custom = env.kc.makeApiClient(CustomObjectsApi);
    const create = (body: object) =>
      waitFor('RedisCluster served', async () => {
        try {
          return {
            ok: await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body, fieldValidation: 'Strict' }),
          };
        } catch (e) {
          const text = String((e as { body?: string }).body ?? e);
          // Right after Established, discovery may lag for a moment: retry a 404 only.
          return /404|not found/i.test(text) && !/Invalid/.test(text) ? undefined : { error: text };
        }
      });
    const ok = await create({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'RedisCluster',
      metadata: { name: 'defaults' },
      spec: { redis: { config: { 'maxmemory-policy': 'allkeys-lru', hz: 20 } } },
    });
    expect(ok.ok).toMatchObject({
      spec: { masters: 3, replicasPerMaster: 1, kubernetes: { antiAffinity: 'preferred' }, redis: { config: { 'maxmemory-policy': 'allkeys-lru', hz: 20 } } },
    });

    const two = await create({ apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisCluster', metadata: { name: 'two' }, spec: { masters: 2 } });
    console.error(`[k8s] masters: 2 refused: ${two.error}`);
    expect(two.error).toMatch(/spec\.masters: Invalid value: 2: spec\.masters in body should be greater than or equal to 3/);

    const unknown = await create({ apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisCluster', metadata: { name: 'typo' }, spec: { mastres: 3 } });
    console.error(`[k8s] unknown field refused: ${unknown.error}`);
    expect(unknown.error).toMatch(/unknown field \\?"spec\.mastres/);
  });
});

/**
 * The Helm chart (deploy/helm/rck-operator) against `rck render operator`: `helm template`
 * (helm built from its Go module) prints the same objects in both modes, object by object
 * (the bundle's Namespace aside: helm installs into a namespace it is given or creates).
 * Then on the API server: the cluster-wide output passes server-side apply (dryRun=All)
 * with nothing dropped, and the namespaced output is installed for real, its operator run
 * from the image, keeping a RedisCluster of its namespace and ignoring one elsewhere.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GROUP, PLURAL, VERSION as CRD_VERSION } from '../../src/manifests/crd.js';
import { renderOperator } from '../../src/manifests/operator.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import type { ClusterStatus } from '../../src/platform/kubernetes/status.js';
import { VERSION } from '../../src/version.js';
import { missingPaths } from './dropped-fields.js';
import { type K8sTestEnv, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { CHART_DIR, buildHelm, byIdentity, helmTemplate } from './helm.js';
import { imageEntrypoint } from './kubelet/oci.js';
import { ensureOperatorImage } from './operator-image.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
let helm: string;
let env: K8sTestEnv | undefined;
const withoutNamespace = (objs: KubernetesObject[]) => objs.filter((o) => o.kind !== 'Namespace');

beforeAll(async () => {
  helm = await buildHelm();
}, 60 * 60_000);
afterAll(async () => env?.stop(), 180_000);

describe('helm template of the chart equals rck render operator', { timeout: 60_000 }, () => {
  it('cluster-wide (the default values)', async () => {
    expect(byIdentity(await helmTemplate(helm, 'rck-system'))).toEqual(byIdentity(withoutNamespace(renderOperator({ namespace: 'rck-system' }))));
  });

  it('namespaced (watchNamespace)', async () => {
    const chart = await helmTemplate(helm, 'ops', { watchNamespace: 'shop' });
    expect(byIdentity(chart)).toEqual(byIdentity(withoutNamespace(renderOperator({ namespace: 'ops', watchNamespace: 'shop' }))));
  });

  it('image and replicas (image.repository, image.tag, replicaCount) as --image and --replicas', async () => {
    const chart = await helmTemplate(helm, 'rck-system', { 'image.repository': 'registry.example.com/team/rck', 'image.tag': '9.9.9', replicaCount: 1 });
    const bundle = renderOperator({ namespace: 'rck-system', image: 'registry.example.com/team/rck:9.9.9', replicas: 1 });
    expect(byIdentity(chart)).toEqual(byIdentity(withoutNamespace(bundle)));
  });

  it('refuses bad values, naming the value at fault (values.schema.json)', async () => {
    await expect(helmTemplate(helm, 'ops', { watchNamespace: 'Bad_NS' })).rejects.toThrow(/watchNamespace': 'Bad_NS' does not match/);
    await expect(helmTemplate(helm, 'ops', { replicaCount: 0 })).rejects.toThrow(/replicaCount': minimum: got 0/);
    await expect(helmTemplate(helm, 'ops', { replicaCont: 2 })).rejects.toThrow(/additional properties 'replicaCont' not allowed/);
  });

  it('passes helm lint in both modes', async () => {
    for (const args of [[], ['--set', 'watchNamespace=shop']]) {
      const { stdout } = await run(helm, ['lint', CHART_DIR, ...args]);
      expect(stdout).toContain('0 chart(s) failed');
    }
  });

  it("the chart's version and appVersion (the default image tag) are the package's", async () => {
    const chart = parse(await readFile(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    expect(chart).toMatchObject({ version: VERSION, appVersion: VERSION });
  });
});

describe.skipIf(Boolean(process.env.RCK_E2E_KUBECONFIG))('the chart on the API server', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const image = await ensureOperatorImage();
    env = await startK8sTestEnv({ images: [await imageEntrypoint(image)] });
  }, 60 * 60_000);

  it('accepts the cluster-wide output (server-side apply, dryRun=All) with nothing dropped', async () => {
    const core = env!.kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'rck-helm-dry' } } });
    const objs = await helmTemplate(helm, 'rck-helm-dry');
    const applied = await new Applier(env!.kc).applyAll(objs, { dryRun: 'All' });
    expect(applied.map((o) => o.kind)).toEqual(objs.map((o) => o.kind));
    // The CRD's schema keywords are renamed for the client (manifests-api.test.ts checks the CRD itself).
    expect(objs.flatMap((o, i) => (o.kind === 'CustomResourceDefinition' ? [] : missingPaths(o, applied[i], o.kind ?? '?')))).toEqual([]);
  });

  it('installs the namespaced output: its operator (from the image) keeps its namespace only', async () => {
    const core = env!.kc.makeApiClient(CoreV1Api);
    const custom = env!.kc.makeApiClient(CustomObjectsApi);
    for (const ns of ['rck-ops', 'shop', 'elsewhere']) await core.createNamespace({ body: { metadata: { name: ns } } });
    await new Applier(env!.kc).applyAll(await helmTemplate(helm, 'rck-ops', { watchNamespace: 'shop' }));
    for (const ns of ['shop', 'elsewhere']) await waitForDefaultServiceAccount(env!.kc, ns);
    const create = (namespace: string, name: string) =>
      waitFor(`RedisCluster ${namespace}/${name} created`, async () =>
        custom.createNamespacedCustomObject({
          group: GROUP,
          version: CRD_VERSION,
          namespace,
          plural: PLURAL,
          body: { apiVersion: `${GROUP}/${CRD_VERSION}`, kind: 'RedisCluster', metadata: { name }, spec: { replicasPerMaster: 0 } },
        }),
      );
    const get = async (namespace: string, name: string) =>
      (await custom.getNamespacedCustomObject({ group: GROUP, version: CRD_VERSION, namespace, plural: PLURAL, name })) as { status?: ClusterStatus };
    // The one outside is created first: by the time the watched one is Ready, the operator would have acted on it too.
    await create('elsewhere', 'outside');
    await create('shop', 'cart');
    const logs = async () => {
      const pods = (await core.listNamespacedPod({ namespace: 'rck-ops' })).items;
      const texts = await Promise.all(pods.map((p) => readFile(env!.kubelet!.logFile('rck-ops', p.metadata!.name!, 'operator'), 'utf8').catch(() => '')));
      return texts.join('\n');
    };
    const status = await waitFor(
      'shop/cart Ready',
      async () => {
        const s = (await get('shop', 'cart')).status;
        return s?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? s : undefined;
      },
      180_000,
      async () => (await logs()).slice(-3000),
    );
    expect(status).toMatchObject({ phase: 'Ready', readyMembers: 3, shards: 3 });
    expect((await get('elsewhere', 'outside')).status).toBeUndefined();
    expect((await core.listNamespacedPod({ namespace: 'elsewhere' })).items).toEqual([]);
    const log = await logs();
    expect(log).toContain('operator watching RedisClusters in shop');
    expect(log).not.toMatch(/forbidden/i);
  });
});

/**
 * The operator as `rck render operator` deploys it: a Deployment running with its
 * ServiceAccount and the least-privilege ClusterRole (in-cluster config), keeping a
 * RedisCluster until Ready. A missing permission shows up here as a cluster never Ready.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../src/manifests/crd.js';
import { renderOperator } from '../../src/manifests/operator.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import type { ClusterStatus } from '../../src/platform/kubernetes/status.js';
import { type K8sTestEnv, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { waitFor } from './wait.js';

const MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'dist', 'cli', 'main.js');
const NS = 'shop';
let env: K8sTestEnv;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  // The operator's image stands for the rck CLI built in dist/.
  env = await startK8sTestEnv({ images: [{ image: /\/rck:/, entrypoint: [process.execPath, MAIN] }] });
}, 60 * 60_000);
afterAll(async () => env?.stop(), 180_000);

describe.skipIf(Boolean(process.env.RCK_E2E_KUBECONFIG))('the operator deployed in the cluster', { timeout: 300_000 }, () => {
  it('runs under its ServiceAccount and least-privilege RBAC, and brings a RedisCluster to Ready', async () => {
    const core = env.kc.makeApiClient(CoreV1Api);
    await new Applier(env.kc).applyAll(renderOperator({ namespace: 'rck-system', image: 'ghcr.io/rck-dev/rck:test' }));
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await waitForDefaultServiceAccount(env.kc, NS);
    const custom = env.kc.makeApiClient(CustomObjectsApi);
    const t0 = Date.now();
    await waitFor('RedisCluster created', async () => custom.createNamespacedCustomObject({
      group: GROUP, version: VERSION, namespace: NS, plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisCluster', metadata: { name: 'cart' }, spec: { kubernetes: { antiAffinity: 'required' }, replicasPerMaster: 0 } },
    }));
    const diagnose = async () => {
      const pods = (await core.listPodForAllNamespaces()).items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name} ${p.status?.phase} ${p.status?.message ?? ''}`);
      const op = (await core.listNamespacedPod({ namespace: 'rck-system' })).items[0];
      const log = op && env.kubelet ? await import('node:fs/promises').then((fs) => fs.readFile(env.kubelet!.logFile('rck-system', op.metadata!.name!, 'operator'), 'utf8')).catch(() => '') : '';
      return [...pods, log.slice(-3000)].join('\n');
    };
    const status = await waitFor('cart Ready', async () => {
      const o = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'cart' })) as { status?: ClusterStatus };
      return o.status?.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? o.status : undefined;
    }, 180_000, diagnose);
    console.error(`[k8s operator in cluster] 3x0 Ready ${((Date.now() - t0) / 1000).toFixed(1)} s after the RedisCluster was created (operator start included)`);
    expect(status).toMatchObject({ phase: 'Ready', readyMembers: 3, shards: 3 });
    // Events are best effort (never stop healing), so check the RBAC for them here.
    const events = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=cart' })).items;
    expect(events.map((e) => e.reason)).toContain('Create');
    expect(await diagnose()).not.toMatch(/forbidden/i);
  });
});

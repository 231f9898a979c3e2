/**
 * What most Kubernetes e2e tests set up the same way: the test tier with rck's CRD and one
 * namespace, an operator for that namespace, RedisClusters created in it, and a stop that
 * takes it all down (printing the operator's log with RCK_K8S_DEBUG).
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, redisClusterCrd } from '../../src/manifests/crd.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import { ClusterView } from './cluster-view.js';
import { type K8sTestEnv, type K8sTestEnvOptions, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { type OperatorProcess, startOperator, stopOperator } from './operator-process.js';
import { waitFor } from './wait.js';

export class ClusterTier {
  operator: OperatorProcess | undefined;

  private constructor(
    readonly env: K8sTestEnv,
    readonly namespace: string,
  ) {}

  /** The tier, the CRD and the namespace (with its default service account); nothing is left running when this fails. */
  static async start(namespace: string, opts: K8sTestEnvOptions = {}): Promise<ClusterTier> {
    const env = await startK8sTestEnv(opts);
    try {
      await new Applier(env.kc).apply(redisClusterCrd());
      await env.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
      await waitForDefaultServiceAccount(env.kc, namespace);
      return new ClusterTier(env, namespace);
    } catch (err) {
      await env.stop();
      throw err;
    }
  }

  /** Starts an operator for the namespace (`rck operator` from dist/). */
  startOperator(): OperatorProcess {
    this.operator = startOperator(this.env.kubeconfigPath, this.namespace);
    return this.operator;
  }

  async stopOperator(signal?: NodeJS.Signals): Promise<void> {
    if (this.operator) await stopOperator(this.operator, signal);
  }

  /** Creates a RedisCluster with this spec. */
  async createCluster(name: string, spec: object): Promise<void> {
    await this.env.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: this.namespace,
      plural: PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'RedisCluster', metadata: { name }, spec },
    });
  }

  /** Merge-patches a RedisCluster's spec (null removes a field); returns its new generation. */
  async patchSpec(name: string, spec: object): Promise<number> {
    const patched = (await this.env.kc
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: this.namespace, plural: PLURAL, name, body: { spec } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as { metadata: { generation: number } };
    return patched.metadata.generation;
  }

  /** Waits for the RedisCluster's Ready condition; at the deadline fails with the view's diagnosis and the operator's log. */
  async waitReady(v: ClusterView, timeoutMs = 240_000): Promise<void> {
    await waitFor(
      'RedisCluster Ready',
      async () => (ClusterView.isReady(await v.status()) ? true : undefined),
      timeoutMs,
      () => v.diagnose(this.operator?.log),
    );
  }

  async stop(): Promise<void> {
    await this.stopOperator();
    if (process.env.RCK_K8S_DEBUG && this.operator) console.error(this.operator.log.join('\n'));
    await this.env.stop();
  }
}

/**
 * The operator: an informer on RedisCluster objects, and for each one a ClusterKeeper
 * passing every `intervalMs`, and at once when one of its pods changes (a pod informer). Works from outside the cluster (kubeconfig) and inside it
 * (the service account), through @kubernetes/client-node.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type V1Pod, makeInformer } from '@kubernetes/client-node';
import { errorText } from '../../errors.js';
import { GROUP, PLURAL, VERSION } from '../../manifests/crd.js';
import { CLUSTER_LABEL } from '../../manifests/names.js';
import { ClusterKeeper, type RedisClusterObject } from './cluster-keeper.js';

export interface OperatorOptions {
  kc: KubeConfig;
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  intervalMs?: number;
  log?: (line: string) => void;
}

interface Running {
  keeper: ClusterKeeper;
  stop: () => void;
  /** Starts the next pass now instead of after the interval. */
  wake: () => void;
  done: Promise<void>;
}

export class Operator {
  private readonly clusters = new Map<string, Running>();
  private informer?: ReturnType<typeof makeInformer<RedisClusterObject>>;
  private podInformer?: ReturnType<typeof makeInformer<V1Pod>>;
  private readonly log: (line: string) => void;

  constructor(private readonly o: OperatorOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`));
  }

  async start(): Promise<void> {
    const custom = this.o.kc.makeApiClient(CustomObjectsApi);
    const ns = this.o.namespace;
    const path = ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
    const list = async () =>
      (ns
        ? await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL })
        : await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as KubernetesListObject<RedisClusterObject>;
    const informer = makeInformer<RedisClusterObject>(this.o.kc, path, list);
    informer.on('add', (obj) => this.upsert(obj));
    informer.on('update', (obj) => this.upsert(obj));
    informer.on('delete', (obj) => void this.remove(obj));
    informer.on('error', (err) => {
      this.log(`watch of RedisClusters failed: ${errorText(err)}; restarting it in 2 s`);
      setTimeout(() => void informer.start().catch((e) => this.log(`watch restart failed: ${errorText(e)}`)), 2000);
    });
    this.informer = informer;
    await informer.start();
    await this.watchPods(ns);
    this.log(`operator watching RedisClusters in ${ns ?? 'all namespaces'}`);
  }

  /** Pod changes (deleted, re-created, Ready) wake their cluster's keeper: no need to wait a whole interval. */
  private async watchPods(ns: string | undefined): Promise<void> {
    const core = this.o.kc.makeApiClient(CoreV1Api);
    const selector = `app.kubernetes.io/name=redis-cluster,${CLUSTER_LABEL}`;
    const path = ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods';
    const list = () => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector: selector }) : core.listPodForAllNamespaces({ labelSelector: selector }));
    const informer = makeInformer<V1Pod>(this.o.kc, path, list, selector);
    const wake = (p: V1Pod) => this.clusters.get(`${p.metadata?.namespace}/${p.metadata?.labels?.[CLUSTER_LABEL]}`)?.wake();
    for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, wake);
    informer.on('error', (err) => {
      this.log(`watch of pods failed: ${errorText(err)}; restarting it in 2 s (passes continue on the interval)`);
      setTimeout(() => void informer.start().catch((e) => this.log(`pod watch restart failed: ${errorText(e)}`)), 2000);
    });
    this.podInformer = informer;
    await informer.start();
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
    await this.podInformer?.stop();
    const all = [...this.clusters.values()];
    this.clusters.clear();
    for (const r of all) r.stop();
    await Promise.all(all.map((r) => r.done));
  }

  private upsert(obj: RedisClusterObject): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const running = this.clusters.get(key);
    if (running) return running.keeper.update(obj);
    const keeper = new ClusterKeeper(this.o.kc, obj, this.log);
    let stopped = false;
    let wake: () => void = () => {};
    const done = (async () => {
      this.log(`${key}: keeping`);
      let lastError = '';
      while (!stopped) {
        let acted = false;
        try {
          acted = await keeper.pass();
          if (lastError) this.log(`${key}: passes succeed again`);
          lastError = '';
        } catch (err) {
          // Once per distinct error, not every pass.
          const text = errorText(err);
          if (text !== lastError) this.log(`${key}: pass failed: ${text}`);
          lastError = text;
        }
        await new Promise<void>((r) => {
          wake = r;
          // A pass that acted is followed at once by the next step (of a heal or a scale).
          setTimeout(r, acted ? 20 : (this.o.intervalMs ?? 1000));
        });
      }
    })();
    this.clusters.set(key, { keeper, done, stop: () => { stopped = true; wake(); }, wake: () => wake() });
  }

  private async remove(obj: RedisClusterObject): Promise<void> {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const running = this.clusters.get(key);
    if (!running) return;
    this.clusters.delete(key);
    running.stop();
    await running.done;
    await running.keeper.deleted().catch((e) => this.log(`${key}: cleanup failed: ${errorText(e)}`));
  }
}

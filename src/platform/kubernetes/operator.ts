/**
 * The operator: an informer on RedisCluster objects, and for each one a ClusterKeeper run
 * by a ReconcileRunner (controller/runner.ts): a pass every `intervalMs` while it heals, a
 * cheap probe every `intervalMs` once settled (a full pass on change, every 30 s at the
 * latest), and a pass at once when the object, one of its pods or its StatefulSet changes.
 * Works from outside the cluster (kubeconfig) and inside it
 * (the service account), through @kubernetes/client-node.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
  type V1StatefulSet,
  makeInformer,
} from '@kubernetes/client-node';
import { errorText } from '../../errors.js';
import { GROUP, PLURAL, VERSION } from '../../manifests/crd.js';
import { CLUSTER_LABEL } from '../../manifests/names.js';
import { ClusterKeeper, type RedisClusterObject } from './cluster-keeper.js';
import { reuseConnections } from './agent.js';
import type { WatchCache } from './member-source.js';
import { ReconcileRunner } from '../../controller/runner.js';
import { RckMetrics } from '../../controller/metrics.js';

export interface OperatorOptions {
  kc: KubeConfig;
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  intervalMs?: number;
  log?: (line: string) => void;
}

interface Running {
  keeper: ClusterKeeper;
  runner: ReconcileRunner;
}

export class Operator {
  private readonly clusters = new Map<string, Running>();
  private informer?: ReturnType<typeof makeInformer<RedisClusterObject>>;
  private readonly ownedInformers: { stop(): Promise<void> }[] = [];
  private pods?: ReturnType<typeof makeInformer<V1Pod>>;
  private statefulSets?: ReturnType<typeof makeInformer<V1StatefulSet>>;
  /** Watches down (failed, not restarted yet): their caches are not read. */
  private readonly watchesDown = new Set<string>();
  /** What settled clusters' passes read instead of the API (cluster-keeper.ts decides when). */
  private readonly cache: WatchCache = {
    synced: () => this.watchesDown.size === 0 && this.pods !== undefined && this.statefulSets !== undefined,
    pods: (ns) => this.pods?.list(ns) ?? [],
    statefulSet: (ns, name) => this.statefulSets?.get(name, ns),
  };
  private readonly stsGenerations = new Map<string, number | undefined>();
  private readonly log: (line: string) => void;
  /** Every kept cluster's series, labelled namespace and cluster (served by `rck operator --metrics-address`). */
  readonly metrics = new RckMetrics();

  constructor(private readonly o: OperatorOptions) {
    this.log = o.log ?? ((l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`));
    reuseConnections(o.kc);
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
    await this.watchOwned(ns);
    this.log(`operator watching RedisClusters in ${ns ?? 'all namespaces'}`);
  }

  /**
   * Changes to a cluster's pods (deleted, re-created, Ready) and StatefulSet (edited,
   * deleted, scaled) wake its keeper: no need to wait a whole interval. A StatefulSet
   * change also makes the keeper apply its objects again, undoing manual edits at once.
   */
  private async watchOwned(ns: string | undefined): Promise<void> {
    const core = this.o.kc.makeApiClient(CoreV1Api);
    const apps = this.o.kc.makeApiClient(AppsV1Api);
    const selector = `app.kubernetes.io/name=redis-cluster,${CLUSTER_LABEL}`;
    const keeperOf = (o: KubernetesObject) => this.clusters.get(`${o.metadata?.namespace}/${o.metadata?.labels?.[CLUSTER_LABEL]}`);
    this.pods = await this.watch<V1Pod>(
      'pods',
      ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods',
      selector,
      () => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector: selector }) : core.listPodForAllNamespaces({ labelSelector: selector })),
      (p) => keeperOf(p)?.runner.wake(),
    );
    this.statefulSets = await this.watch<V1StatefulSet>(
      'statefulsets',
      ns ? `/apis/apps/v1/namespaces/${ns}/statefulsets` : '/apis/apps/v1/statefulsets',
      selector,
      () => (ns ? apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: selector }) : apps.listStatefulSetForAllNamespaces({ labelSelector: selector })),
      (sts, deleted) => {
        const r = keeperOf(sts);
        // Status updates (pods getting Ready) leave the generation alone; spec edits and deletion do not.
        const key = `${sts.metadata?.namespace}/${sts.metadata?.name}`;
        if (deleted || this.stsGenerations.get(key) !== sts.metadata?.generation) r?.keeper.reapplySoon();
        if (deleted) this.stsGenerations.delete(key);
        else this.stsGenerations.set(key, sts.metadata?.generation);
        r?.runner.wake();
      },
    );
    this.ownedInformers.push(this.pods, this.statefulSets);
  }

  private async watch<T extends KubernetesObject>(
    what: string,
    path: string,
    selector: string,
    list: () => Promise<KubernetesListObject<T>>,
    onChange: (o: T, deleted: boolean) => void,
  ): Promise<ReturnType<typeof makeInformer<T>>> {
    const informer = makeInformer<T>(this.o.kc, path, list, selector);
    for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, (o: T) => onChange(o, verb === 'delete'));
    informer.on('error', (err) => {
      this.watchesDown.add(what);
      this.log(`watch of ${what} failed: ${errorText(err)}; restarting it in 2 s (passes continue on the interval)`);
      setTimeout(
        () =>
          void informer.start().then(
            () => this.watchesDown.delete(what),
            (e) => this.log(`${what} watch restart failed: ${errorText(e)}`),
          ),
        2000,
      );
    });
    await informer.start();
    return informer;
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
    for (const i of this.ownedInformers) await i.stop();
    const all = [...this.clusters.values()];
    this.clusters.clear();
    await Promise.all(all.map((r) => r.runner.stop()));
    await Promise.all(all.map((r) => r.keeper.close()));
  }

  private upsert(obj: RedisClusterObject): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const running = this.clusters.get(key);
    if (running) {
      running.keeper.update(obj);
      running.runner.wake(); // a new spec or annotation: act on it now
      return;
    }
    const keeper = new ClusterKeeper(this.o.kc, obj, this.log, this.metrics.cluster({ namespace: obj.metadata.namespace, cluster: obj.metadata.name }), this.cache);
    const interval = this.o.intervalMs ?? 1000;
    const runner = new ReconcileRunner({
      name: key,
      reconciler: { pass: (signal) => keeper.pass(signal), probe: (_signal, quiet) => keeper.probe(quiet) },
      timings: { busyMs: interval, probeMs: interval },
      report: this.log,
    });
    this.log(`${key}: keeping`);
    runner.start();
    this.clusters.set(key, { keeper, runner });
  }

  private async remove(obj: RedisClusterObject): Promise<void> {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const running = this.clusters.get(key);
    if (!running) return;
    this.clusters.delete(key);
    this.metrics.remove({ namespace: obj.metadata.namespace, cluster: obj.metadata.name });
    await running.runner.stop();
    await running.keeper.close();
    await running.keeper.deleted().catch((e) => this.log(`${key}: cleanup failed: ${errorText(e)}`));
  }
}

/** Cluster events (controller/events.ts) as Kubernetes Events on the RedisCluster (`kubectl describe rediscluster`). */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ClusterEvent, EventSink } from '../../controller/events.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export class KubernetesEventSink implements EventSink {
  constructor(
    private readonly core: CoreV1Api,
    private readonly ref: ObjectRef,
    private readonly component = 'rck-operator',
  ) {}

  async record(e: ClusterEvent): Promise<void> {
    await this.core.createNamespacedEvent({
      namespace: this.ref.namespace,
      body: {
        metadata: { generateName: `${this.ref.name}.`, namespace: this.ref.namespace },
        involvedObject: { ...this.ref },
        type: e.type,
        reason: e.reason,
        message: `${e.member}: ${e.message}`.slice(0, 1000),
        source: { component: this.component },
        firstTimestamp: new Date(e.time),
        lastTimestamp: new Date(e.time),
        count: e.count ?? 1,
      },
    });
  }
}

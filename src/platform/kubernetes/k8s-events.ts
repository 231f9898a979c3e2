/** Controller events as Kubernetes Events on the RedisCluster (`kubectl describe rediscluster`). */
import type { CoreV1Api } from '@kubernetes/client-node';
import type { ControllerEvent, EventSink } from '../../controller/events.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export class KubernetesEventSink implements EventSink {
  constructor(private readonly core: CoreV1Api, private readonly ref: ObjectRef, private readonly component = 'rck-operator') {}

  async record(e: ControllerEvent): Promise<void> {
    const reason = e.action.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()); // join-replica -> JoinReplica
    await this.core.createNamespacedEvent({
      namespace: this.ref.namespace,
      body: {
        metadata: { generateName: `${this.ref.name}.`, namespace: this.ref.namespace },
        involvedObject: { ...this.ref },
        type: e.type,
        reason,
        message: `${e.member}: ${e.reason}`.slice(0, 1000),
        source: { component: this.component },
        firstTimestamp: new Date(e.time),
        lastTimestamp: new Date(e.time),
        count: 1,
      },
    });
  }
}

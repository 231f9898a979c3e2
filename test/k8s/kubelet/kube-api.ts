/**
 * The few API calls the process kubelet makes, over @kubernetes/client-node with the
 * harness's kubeconfig. Status writes are strategic-merge patches (conditions merge by
 * type, so the scheduler's PodScheduled condition is kept).
 */
import { ApiException, CoordinationV1Api, CoreV1Api, KubeConfig, type V1Node, type V1PersistentVolume, type V1Pod, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const isNotFound = (e: unknown) => e instanceof ApiException && e.code === 404;
export const isConflict = (e: unknown) => e instanceof ApiException && e.code === 409;

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class KubeletApi {
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly server: URL;

  constructor(readonly kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.server = new URL(kc.getCurrentCluster()?.server ?? 'https://127.0.0.1:6443');
  }

  async listPods(): Promise<V1Pod[]> {
    return (await this.core.listPodForAllNamespaces()).items;
  }

  async patchPodStatus(pod: V1Pod, status: object): Promise<void> {
    await this.core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } }, strategic);
  }

  /** Final removal once the containers are gone (the kubelet's grace-0 delete, bound to this UID). */
  async deletePodNow(pod: V1Pod): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  async configMap(namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name, namespace });
      const out: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v);
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
      return out;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async secret(namespace: string, name: string): Promise<Record<string, Buffer> | undefined> {
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace });
      const out: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64');
      for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = Buffer.from(v);
      return out;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async boundVolume(namespace: string, claimName: string): Promise<V1PersistentVolume | undefined> {
    try {
      const pvc = await this.core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace });
      if (pvc.status?.phase !== 'Bound' || !pvc.spec?.volumeName) return undefined;
      return await this.core.readPersistentVolume({ name: pvc.spec.volumeName });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async serviceAccountToken(pod: V1Pod, audience: string | undefined, expirationSeconds: number | undefined): Promise<string> {
    const tr = await this.core.createNamespacedServiceAccountToken({
      name: pod.spec?.serviceAccountName ?? 'default',
      namespace: pod.metadata!.namespace!,
      body: {
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds: expirationSeconds ?? 3607,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        },
      },
    });
    return tr.status?.token ?? '';
  }

  async createNode(node: V1Node): Promise<void> {
    try {
      await this.core.createNode({ body: node });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }

  async patchNodeStatus(name: string, status: object): Promise<void> {
    await this.core.patchNodeStatus({ name, body: { status } }, strategic);
  }

  /** Creates or renews the node's Lease in kube-node-lease (the node lifecycle controller watches it). */
  async renewLease(nodeName: string, nodeUid: string | undefined): Promise<void> {
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: microTime() };
    try {
      await this.coordination.patchNamespacedLease({ name: nodeName, namespace: 'kube-node-lease', body: { spec } }, merge);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const ownerReferences = nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] : undefined;
      await this.coordination.createNamespacedLease({
        namespace: 'kube-node-lease',
        body: { metadata: { name: nodeName, ownerReferences }, spec: spec as never },
      });
    }
  }
}

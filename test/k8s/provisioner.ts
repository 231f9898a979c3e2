/**
 * Dynamic provisioning for the test cluster, which has no storage driver: a default
 * StorageClass whose claims get a hostPath PV each (a directory under the harness root),
 * created when a pending claim of that class appears and deleted with its directory when
 * the claim is gone and the reclaim policy is Delete. The PV controller does the binding.
 */
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, StorageV1Api, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './kubelet/kube-api.js';

export const STORAGE_CLASS = 'rck-hostpath';
const PROVISIONER = 'rck.test/hostpath';
const SYNC_MS = 500;

export class HostPathProvisioner {
  private core: CoreV1Api;
  private storage: StorageV1Api;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  /**
   * isDefault: claims without storageClassName get this class (as on kind). Turn it off to
   * replay manifests that expect such claims to bind static PVs, as on a cluster with no default class.
   */
  constructor(
    kc: KubeConfig,
    private rootDir: string,
    private log: (l: string) => void = () => {},
    private isDefault = true,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.storage = kc.makeApiClient(StorageV1Api);
  }

  async start(): Promise<void> {
    await mkdir(this.rootDir, { recursive: true });
    try {
      await this.storage.createStorageClass({
        body: {
          metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': String(this.isDefault) } },
          provisioner: PROVISIONER,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'Immediate',
        },
      });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
    this.timer = setInterval(() => void this.sync(), SYNC_MS);
    await this.sync();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async sync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const pvs = (await this.core.listPersistentVolume()).items;
      const claimed = new Set(pvs.map((pv) => pv.spec?.claimRef?.uid).filter(Boolean));
      for (const pvc of (await this.core.listPersistentVolumeClaimForAllNamespaces()).items) {
        if (
          pvc.status?.phase === 'Pending' &&
          pvc.spec?.storageClassName === STORAGE_CLASS &&
          !pvc.spec.volumeName &&
          !pvc.metadata?.deletionTimestamp &&
          !claimed.has(pvc.metadata!.uid)
        )
          await this.provision(pvc);
      }
      for (const pv of pvs) {
        const ours = pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] === PROVISIONER;
        if (ours && pv.status?.phase === 'Released' && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
          await rm(pv.spec.hostPath!.path, { recursive: true, force: true });
          await this.core.deletePersistentVolume({ name: pv.metadata!.name! }).catch((e) => {
            if (!isNotFound(e)) throw e;
          });
          this.log(`deleted volume ${pv.metadata!.name}`);
        }
      }
    } catch (e) {
      this.log(`provisioner sync failed: ${(e as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  private async provision(pvc: V1PersistentVolumeClaim) {
    const m = pvc.metadata!;
    const name = `pvc-${m.uid}`;
    const path = join(this.rootDir, `${m.namespace}-${m.name}-${m.uid!.slice(0, 8)}`);
    await mkdir(path, { recursive: true });
    // World-writable like common hostPath provisioners, so non-root pods without fsGroup can write.
    await chmod(path, 0o777);
    try {
      await this.core.createPersistentVolume({
        body: {
          metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
          spec: {
            capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
            accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
            persistentVolumeReclaimPolicy: 'Delete',
            storageClassName: STORAGE_CLASS,
            volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
            claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid },
            hostPath: { path, type: 'DirectoryOrCreate' },
          },
        },
      });
      this.log(`provisioned ${name} at ${path} for ${m.namespace}/${m.name}`);
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
}

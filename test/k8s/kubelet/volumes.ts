/**
 * Pod volumes as directories on this machine. ConfigMap, Secret, downward API and projected
 * volumes are written as files under the pod's directory; emptyDir is a fresh directory;
 * hostPath is the path itself; a PVC resolves through its bound PV (hostPath, local, or NFS,
 * whose export is a directory under the harness's NFS root). Containers see them at their
 * mountPath through bind mounts in a private mount namespace (see container.ts).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { V1Container, V1KeyToPath, V1PersistentVolume, V1Pod, V1Volume } from '@kubernetes/client-node';
import { fieldValue } from './env.js';

export interface VolumeSources {
  podIP: string;
  hostIP: string;
  configMap(name: string): Promise<Record<string, Buffer> | undefined>;
  secret(name: string): Promise<Record<string, Buffer> | undefined>;
  /** The PV bound to a claim, or undefined while the claim is not bound. */
  boundVolume(claimName: string): Promise<V1PersistentVolume | undefined>;
  serviceAccountToken(audience: string | undefined, expirationSeconds: number | undefined): Promise<string>;
  /** Directory standing for NFS servers: nfs {server, path} is nfsRoot/server/path. */
  nfsRoot: string;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

/** The pod cannot start yet (e.g. its claim is not bound); the kubelet retries. */
export class VolumeNotReady extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeNotReady';
  }
}

export function pvPath(pv: V1PersistentVolume, nfsRoot: string): string {
  const s = pv.spec;
  if (s?.hostPath) return s.hostPath.path;
  if (s?.local) return s.local.path;
  if (s?.nfs) return join(nfsRoot, s.nfs.server, normalize(`/${s.nfs.path}`));
  throw new VolumeNotReady(`persistent volume ${pv.metadata?.name}: only hostPath, local and nfs are supported`);
}

/** Materialises every volume of the pod; returns volume name -> host directory. */
export async function prepareVolumes(pod: V1Pod, podDir: string, src: VolumeSources): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) paths.set(v.name, await prepareVolume(pod, v, join(podDir, 'volumes', v.name), src));
  return paths;
}

async function prepareVolume(pod: V1Pod, v: V1Volume, dir: string, src: VolumeSources): Promise<string> {
  if (v.hostPath) {
    if (v.hostPath.type !== 'File' && v.hostPath.type !== 'FileOrCreate') await mkdir(v.hostPath.path, { recursive: true });
    return v.hostPath.path;
  }
  if (v.persistentVolumeClaim) {
    const pv = await src.boundVolume(v.persistentVolumeClaim.claimName);
    if (!pv) throw new VolumeNotReady(`claim ${v.persistentVolumeClaim.claimName} is not bound`);
    const path = pvPath(pv, src.nfsRoot);
    await mkdir(path, { recursive: true });
    return path;
  }
  await mkdir(dir, { recursive: true });
  if (v.emptyDir) return dir;
  if (v.configMap) await writeKeys(dir, await src.configMap(v.configMap.name ?? ''), v.configMap, `configMap ${v.configMap.name}`);
  else if (v.secret) await writeKeys(dir, await src.secret(v.secret.secretName ?? ''), v.secret, `secret ${v.secret.secretName}`);
  else if (v.downwardAPI) await writeDownward(pod, dir, v.downwardAPI.items ?? [], src, v.downwardAPI.defaultMode);
  else if (v.projected) {
    for (const s of v.projected.sources ?? []) {
      const mode = { defaultMode: v.projected.defaultMode };
      if (s.configMap) await writeKeys(dir, await src.configMap(s.configMap.name ?? ''), { ...s.configMap, ...mode }, `configMap ${s.configMap.name}`);
      if (s.secret) await writeKeys(dir, await src.secret(s.secret.name ?? ''), { ...s.secret, ...mode }, `secret ${s.secret.name}`);
      if (s.downwardAPI) await writeDownward(pod, dir, s.downwardAPI.items ?? [], src, v.projected.defaultMode);
      if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        await writeFileAt(dir, t.path, await src.serviceAccountToken(t.audience, t.expirationSeconds), v.projected.defaultMode ?? 0o644);
      }
    }
  } else throw new VolumeNotReady(`volume ${v.name}: unsupported volume type`);
  return dir;
}

interface KeySelection {
  items?: V1KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

async function writeKeys(dir: string, data: Record<string, Buffer> | undefined, sel: KeySelection, what: string) {
  if (!data) {
    if (sel.optional) return;
    throw new VolumeNotReady(`${what} not found`);
  }
  const items: V1KeyToPath[] = sel.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) {
      if (sel.optional) continue;
      throw new VolumeNotReady(`${what} has no key ${item.key}`);
    }
    await writeFileAt(dir, item.path, value, item.mode ?? sel.defaultMode ?? 0o644);
  }
}

async function writeDownward(pod: V1Pod, dir: string, items: NonNullable<V1Volume['downwardAPI']>['items'] & {}, src: VolumeSources, mode?: number) {
  for (const item of items) {
    if (!item.fieldRef) continue; // resourceFieldRef in volumes is not needed by our manifests
    await writeFileAt(dir, item.path, fieldValue(pod, item.fieldRef.fieldPath, src.podIP, src.hostIP), item.mode ?? mode ?? 0o644);
  }
}

async function writeFileAt(dir: string, rel: string, content: string | Buffer, mode: number) {
  const file = join(dir, normalize(`/${rel}`));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  await chmod(file, mode);
}

/** Host source and container target of each of the container's volumeMounts. */
export function containerMounts(c: V1Container, volumePaths: ReadonlyMap<string, string>): Mount[] {
  return (c.volumeMounts ?? []).map((m) => {
    const base = volumePaths.get(m.name);
    if (base === undefined) throw new VolumeNotReady(`container ${c.name}: volumeMount ${m.name} has no volume`);
    return { source: m.subPath ? join(base, normalize(`/${m.subPath}`)) : base, target: m.mountPath, readOnly: Boolean(m.readOnly) };
  });
}

/**
 * Pod volumes as directories on this machine. ConfigMap, Secret, downward API and projected
 * volumes are written as files under the pod's directory, laid out as the kubelet's atomic
 * writer does (the files in a timestamped directory, `..data` a symlink to it, each key a
 * symlink through `..data`), and refreshed in place when their source changes
 * (`refreshVolumes`: a new directory, then `..data` swapped with one rename); emptyDir is a fresh directory;
 * hostPath is the path itself; a PVC resolves through its bound PV (hostPath, local, or NFS,
 * whose export is a directory under the harness's NFS root). Containers see them at their
 * mountPath through bind mounts in a private mount namespace (see container.ts).
 */
import { chmod, chown, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
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
  const payload = await payloadOf(pod, v, src, true);
  if (!payload) throw new VolumeNotReady(`volume ${v.name}: unsupported volume type`);
  await writeAtomic(dir, payload);
  return dir;
}

/** File path in the volume -> content and mode. */
type Payload = Map<string, { content: Buffer; mode: number }>;

/** What a ConfigMap, Secret, downward API or projected volume holds now; undefined for other types. */
async function payloadOf(pod: V1Pod, v: V1Volume, src: VolumeSources, withToken: boolean): Promise<Payload | undefined> {
  const out: Payload = new Map();
  if (v.configMap) addKeys(out, await src.configMap(v.configMap.name ?? ''), v.configMap, `configMap ${v.configMap.name}`);
  else if (v.secret) addKeys(out, await src.secret(v.secret.secretName ?? ''), v.secret, `secret ${v.secret.secretName}`);
  else if (v.downwardAPI) addDownward(out, pod, v.downwardAPI.items ?? [], src, v.downwardAPI.defaultMode);
  else if (v.projected) {
    for (const s of v.projected.sources ?? []) {
      const mode = { defaultMode: v.projected.defaultMode };
      if (s.configMap) addKeys(out, await src.configMap(s.configMap.name ?? ''), { ...s.configMap, ...mode }, `configMap ${s.configMap.name}`);
      if (s.secret) addKeys(out, await src.secret(s.secret.name ?? ''), { ...s.secret, ...mode }, `secret ${s.secret.name}`);
      if (s.downwardAPI) addDownward(out, pod, s.downwardAPI.items ?? [], src, v.projected.defaultMode);
      if (s.serviceAccountToken) {
        if (!withToken) return undefined; // tokens are renewed near their end, not on every refresh
        const t = s.serviceAccountToken;
        out.set(normalize(t.path), { content: Buffer.from(await src.serviceAccountToken(t.audience, t.expirationSeconds)), mode: v.projected.defaultMode ?? 0o644 });
      }
    }
  } else return undefined;
  return out;
}

/**
 * Brings the ConfigMap, Secret and downward API volumes of a running pod up to date, as the
 * kubelet's periodic sync does: a changed source is written to a new directory and `..data`
 * swapped to it at once, so a reader sees all old or all new files. Returns the volumes
 * that changed. A source that vanished leaves the volume as it is (the kubelet does too).
 */
export async function refreshVolumes(pod: V1Pod, volumePaths: ReadonlyMap<string, string>, src: VolumeSources, fsGroup?: number): Promise<string[]> {
  const changed: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const dir = volumePaths.get(v.name);
    if (!dir || v.emptyDir || v.hostPath || v.persistentVolumeClaim) continue;
    let payload: Payload | undefined;
    try {
      payload = await payloadOf(pod, v, src, false);
    } catch {
      continue;
    }
    if (!payload || (await samePayload(dir, payload))) continue;
    await writeAtomic(dir, payload, fsGroup);
    changed.push(v.name);
  }
  return changed;
}

async function samePayload(dir: string, payload: Payload): Promise<boolean> {
  for (const [rel, f] of payload) {
    const now = await readFile(join(dir, '..data', rel)).catch(() => undefined);
    if (!now || !now.equals(f.content)) return false;
  }
  const listed = await readdir(join(dir, '..data'), { recursive: true, withFileTypes: true }).catch(() => []);
  return listed.filter((e) => e.isFile()).length === payload.size;
}

let generation = 0;

/** The kubelet's atomic writer: `..<ts>/` with the files, `..data` -> it (one rename), `<top>` -> `..data/<top>`. */
async function writeAtomic(dir: string, payload: Payload, fsGroup?: number): Promise<void> {
  const ts = `..${new Date().toISOString().replace(/[-:.]/g, '_')}_${process.pid}_${generation++}`;
  for (const [rel, f] of payload) await writeFileAt(join(dir, ts), rel, f.content, f.mode);
  if (fsGroup !== undefined) await chownTree(join(dir, ts), fsGroup);
  const old = await readlink(join(dir, '..data')).catch(() => undefined);
  await rm(join(dir, '..data_tmp'), { force: true });
  await symlink(ts, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  const tops = new Set([...payload.keys()].map((rel) => normalize(rel).replace(/^\/+/, '').split('/')[0]!));
  for (const top of tops) {
    const link = join(dir, top);
    if ((await readlink(link).catch(() => undefined)) === join('..data', top)) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(join('..data', top), link);
  }
  for (const e of await readdir(dir)) if (!e.startsWith('..') && !tops.has(e)) await rm(join(dir, e), { recursive: true, force: true });
  if (old && old !== ts) await rm(join(dir, old), { recursive: true, force: true });
}

async function chownTree(path: string, gid: number): Promise<void> {
  await chown(path, -1, gid);
  for (const e of await readdir(path, { recursive: true })) await chown(join(path, e), -1, gid);
}

interface KeySelection {
  items?: V1KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

function addKeys(out: Payload, data: Record<string, Buffer> | undefined, sel: KeySelection, what: string) {
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
    out.set(normalize(item.path), { content: value, mode: item.mode ?? sel.defaultMode ?? 0o644 });
  }
}

function addDownward(out: Payload, pod: V1Pod, items: NonNullable<V1Volume['downwardAPI']>['items'] & {}, src: VolumeSources, mode?: number) {
  for (const item of items) {
    if (!item.fieldRef) continue; // resourceFieldRef in volumes is not needed by our manifests
    out.set(normalize(item.path), { content: Buffer.from(fieldValue(pod, item.fieldRef.fieldPath, src.podIP, src.hostIP)), mode: item.mode ?? mode ?? 0o644 });
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

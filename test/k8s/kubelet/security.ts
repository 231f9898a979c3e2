/**
 * The parts of securityContext our manifests use: runAsUser/runAsGroup (container over pod),
 * fsGroup and supplementalGroups. fsGroup makes writable volumes group-owned and
 * group-writable, as the kubelet's volume ownership management does; hostPath is left alone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { Identity } from './sandbox.js';

const run = promisify(execFile);

/** Who the container runs as: securityContext first, then the image's USER (for unpacked images). */
export function containerIdentity(pod: V1Pod, c: V1Container, imageUser?: { uid: number; gid: number }): Identity | undefined {
  const psc = pod.spec?.securityContext;
  const csc = c.securityContext;
  const uid = csc?.runAsUser ?? psc?.runAsUser ?? imageUser?.uid;
  const gid = csc?.runAsGroup ?? psc?.runAsGroup ?? (imageUser && uid === imageUser.uid ? imageUser.gid : undefined);
  const groups = [...(psc?.fsGroup !== undefined ? [psc.fsGroup] : []), ...(psc?.supplementalGroups ?? [])];
  if (uid === undefined && gid === undefined && groups.length === 0) return undefined;
  return { uid: uid ?? 0, gid: gid ?? uid ?? 0, groups };
}

/** The kubelet refuses to start a runAsNonRoot container whose user would be root. */
export function checkRunAsNonRoot(pod: V1Pod, c: V1Container, id: Identity | undefined): void {
  const nonRoot = c.securityContext?.runAsNonRoot ?? pod.spec?.securityContext?.runAsNonRoot;
  if (nonRoot && (id?.uid ?? 0) === 0) throw new Error(`container ${c.name}: container has runAsNonRoot and image will run as root`);
}

/** Applies fsGroup to the pod's non-hostPath volumes (PVCs included). */
export async function applyFsGroup(pod: V1Pod, volumePaths: ReadonlyMap<string, string>): Promise<void> {
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  if (fsGroup === undefined) return;
  for (const v of pod.spec?.volumes ?? []) {
    const path = volumePaths.get(v.name);
    if (!path || v.hostPath) continue;
    await run('chgrp', ['-R', String(fsGroup), path]);
    // Writable volumes become group-writable with setgid directories; ConfigMap/Secret keep their modes.
    if (v.emptyDir || v.persistentVolumeClaim) {
      await run('chmod', ['-R', 'g+rwX', path]);
      await run('find', [path, '-type', 'd', '-exec', 'chmod', 'g+s', '{}', '+']);
    }
  }
}

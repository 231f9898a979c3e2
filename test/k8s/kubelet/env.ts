/**
 * A container's environment as Kubernetes builds it: base variables, envFrom, then env in
 * order with $(VAR) expansion, fieldRef/resourceFieldRef from the pod, and keys of
 * ConfigMaps and Secrets (fetched through the injected lookups).
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expandVars } from './command.js';

export interface EnvSources {
  podIP: string;
  hostIP: string;
  /** Data of a ConfigMap or Secret (Secret values already decoded); undefined when missing. */
  configMap(name: string): Promise<Record<string, string> | undefined>;
  secret(name: string): Promise<Record<string, string> | undefined>;
  /** KUBERNETES_SERVICE_HOST/PORT so in-cluster clients reach the API server. */
  apiHost: string;
  apiPort: string;
}

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

export function fieldValue(pod: V1Pod, path: string, podIP: string, hostIP: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
    default:
      throw new EnvError(`unsupported fieldRef ${path}`);
  }
}

export async function containerEnv(pod: V1Pod, c: V1Container, src: EnvSources): Promise<Map<string, string>> {
  const env = new Map<string, string>([
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', pod.metadata?.name ?? ''],
    ['HOME', '/root'],
    ['KUBERNETES_SERVICE_HOST', src.apiHost],
    ['KUBERNETES_SERVICE_PORT', src.apiPort],
    ['KUBERNETES_SERVICE_PORT_HTTPS', src.apiPort],
  ]);
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const data = from.configMapRef ? await src.configMap(ref.name) : await src.secret(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new EnvError(`envFrom ${from.configMapRef ? 'configMap' : 'secret'} ${ref.name} not found`);
    }
    for (const [k, v] of Object.entries(data)) env.set(`${from.prefix ?? ''}${k}`, v);
  }
  for (const e of c.env ?? []) {
    const value = await envValue(pod, c, e, env, src);
    if (value !== undefined) env.set(e.name, value);
  }
  return env;
}

async function envValue(pod: V1Pod, c: V1Container, e: NonNullable<V1Container['env']>[number], env: Map<string, string>, src: EnvSources): Promise<string | undefined> {
  const from = e.valueFrom;
  if (!from) return expandVars(e.value ?? '', env);
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath, src.podIP, src.hostIP);
  if (from.resourceFieldRef) {
    const [kind, resource] = from.resourceFieldRef.resource.split('.') as [string, string];
    const q = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[resource];
    return q === undefined ? (resource === 'cpu' ? '2' : String(8 * 2 ** 30)) : String(q);
  }
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (ref) {
    const data = from.configMapKeyRef ? await src.configMap(ref.name ?? '') : await src.secret(ref.name ?? '');
    const value = data?.[ref.key];
    if (value === undefined && !ref.optional) {
      throw new EnvError(`env ${e.name}: key ${ref.key} of ${from.configMapKeyRef ? 'configMap' : 'secret'} ${ref.name} not found`);
    }
    return value;
  }
  throw new EnvError(`env ${e.name}: unsupported valueFrom`);
}

/**
 * helm for the chart tests: built once from its Go module by testenv/helm/build.sh (cached
 * in ~/.cache/rck/helm/<version>), and `helm template` of deploy/helm/rck-operator parsed
 * into objects.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(repoRoot, 'deploy/helm/rck-operator');

/** Path of the helm binary; builds it the first time (minutes), later a no-op. */
export async function buildHelm(): Promise<string> {
  const { stdout } = await run(join(repoRoot, 'testenv/helm/build.sh'), { timeout: 30 * 60_000, maxBuffer: 64 << 20 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`helm build failed: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
  });
  return stdout.trim();
}

/** `helm template` with the CRDs, as the objects it prints. */
export async function helmTemplate(helm: string, namespace: string, set: Record<string, string | number> = {}): Promise<KubernetesObject[]> {
  const sets = Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const { stdout } = await run(helm, ['template', 'rck', CHART_DIR, '--namespace', namespace, '--include-crds', ...sets], { maxBuffer: 64 << 20 });
  return parseAllDocuments(stdout)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`helm template printed invalid YAML: ${d.errors[0]!.message}`);
      return d.toJS() as KubernetesObject | null;
    })
    .filter((o): o is KubernetesObject => o !== null);
}

/** Objects keyed kind/namespace/name, as plain JSON (no undefined fields), for comparing two renderings. */
export function byIdentity(objs: KubernetesObject[]): Record<string, unknown> {
  return Object.fromEntries(objs.map((o) => [`${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, JSON.parse(JSON.stringify(o))]));
}

/** `rck render`: the Kubernetes objects of a cluster (or of the operator), as YAML or JSON. */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { DEFAULT_IMAGE } from '../../version.js';

interface RenderFlags {
  file?: string;
  namespace?: string;
  existingSecret?: boolean;
  image: string;
  watchNamespace?: string;
  replicas: string;
  output: string;
  label?: string[];
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .argument(
      '[what]',
      "'cluster' (the objects of the spec's cluster), 'operator' (the install bundle: CRD, namespace, RBAC, the operator's Deployment and PodDisruptionBudget) or 'monitoring' (Service, ServiceMonitor and PrometheusRule for the operator's /metrics)",
      'cluster',
    )
    .description(
      'print Kubernetes objects for `kubectl apply -f -`: the Secret (a newly generated password), ConfigMap, Services, ' +
        'StatefulSet, PodDisruptionBudget, NetworkPolicy (and NFS PersistentVolumes, and with spec.kubernetes.tls.certManager ' +
        "cert-manager's Issuers and Certificate) of the spec; or the operator",
    )
    .option('-f, --file <path>', 'the spec file (default: the seed, redis-app, 3 masters x 1 replica)')
    .option('-n, --namespace <ns>', 'namespace of the objects (default: metadata.namespace, else default; rck-system for the operator)')
    .option('--existing-secret', 'render no Secret: the pods read the password from the existing Secret <name>-auth (key password)')
    .option('--image <image>', "the operator's image (default: the tag scripts/build-image.sh writes)", DEFAULT_IMAGE)
    .option('--watch-namespace <ns>', 'operator: keep only the RedisClusters of this namespace, with a Role there instead of a ClusterRole')
    .option('--replicas <n>', 'operator: replicas of its Deployment (one leads, the others wait for the lease)', '2')
    .option('-l, --label <key=value>', 'monitoring: a label the Prometheus instance selects ServiceMonitors and rules by (repeatable)', (v: string, all: string[] = []) => [
      ...all,
      v,
    ])
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (what: string, flags: RenderFlags) => {
      if (flags.output !== 'yaml' && flags.output !== 'json') throw new InputError(`--output: expected yaml or json, got "${flags.output}"`);
      // Loaded here, not at start-up: the schema library and YAML cost every other command ~0.1 s.
      const [{ stringify }, { generateClusterPasswords, generatePassword }, { renderOperator }, { renderCluster }, { defaultCluster, loadSpecFile }] = await Promise.all([
        import('yaml'),
        import('../../manifests/objects.js'),
        import('../../manifests/operator.js'),
        import('../../manifests/render.js'),
        import('../../spec/load.js'),
      ]);
      let objects;
      if (what === 'operator') {
        if (!/^\d+$/.test(flags.replicas)) throw new InputError(`--replicas: expected a whole number, got "${flags.replicas}"`);
        objects = renderOperator({
          namespace: flags.namespace ?? 'rck-system',
          image: flags.image,
          watchNamespace: flags.watchNamespace,
          replicas: Number(flags.replicas),
        });
      } else if (what === 'cluster') {
        const rc = flags.file ? await loadSpecFile(flags.file) : defaultCluster();
        if (flags.namespace) rc.metadata.namespace = flags.namespace;
        const users = Object.fromEntries(rc.spec.auth.users.map((u) => [u.name, generatePassword()]));
        objects = renderCluster(rc, flags.existingSecret ? { existingSecret: true } : { ...generateClusterPasswords(), users });
      } else if (what === 'monitoring') {
        objects = (await import('../../manifests/monitoring.js')).renderMonitoring({
          namespace: flags.namespace ?? 'rck-system',
          selectorLabels: parseLabels(flags.label ?? []),
        });
      } else throw new InputError(`render: unknown "${what}": expected cluster, operator or monitoring`);
      if (flags.output === 'json') process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
      else process.stdout.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    });
}

function parseLabels(texts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts) {
    const m = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(t);
    if (!m) throw new InputError(`--label: expected key=value, got "${t}"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

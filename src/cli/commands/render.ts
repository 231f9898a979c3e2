/** `rck render`: the Kubernetes objects of a cluster (or of the operator), as YAML or JSON. */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';

interface RenderFlags {
  file?: string;
  namespace?: string;
  existingSecret?: boolean;
  image: string;
  output: string;
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .argument('[what]', "'cluster' (the objects of the spec's cluster) or 'operator' (the CRD, the operator's Deployment and RBAC)", 'cluster')
    .description(
      'print Kubernetes objects for `kubectl apply -f -`: the Secret (a newly generated password), ConfigMap, Services, ' +
        'StatefulSet, PodDisruptionBudget, NetworkPolicy (and NFS PersistentVolumes) of the spec; or the operator',
    )
    .option('-f, --file <path>', 'the spec file (default: the seed, redis-app, 3 masters x 1 replica)')
    .option('-n, --namespace <ns>', 'namespace of the objects (default: metadata.namespace, else default; rck-system for the operator)')
    .option('--existing-secret', 'render no Secret: the pods read the password from the existing Secret <name>-auth (key password)')
    .option('--image <image>', "the operator's image", 'ghcr.io/rck-dev/rck:0.1.0')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (what: string, flags: RenderFlags) => {
      if (flags.output !== 'yaml' && flags.output !== 'json') throw new InputError(`--output: expected yaml or json, got "${flags.output}"`);
      // Loaded here, not at start-up: the schema library and YAML cost every other command ~0.1 s.
      const [{ stringify }, { generatePassword }, { renderOperator }, { renderCluster }, { defaultCluster, loadSpecFile }] = await Promise.all([
        import('yaml'),
        import('../../manifests/objects.js'),
        import('../../manifests/operator.js'),
        import('../../manifests/render.js'),
        import('../../spec/load.js'),
      ]);
      let objects;
      if (what === 'operator') objects = renderOperator({ namespace: flags.namespace ?? 'rck-system', image: flags.image });
      else if (what === 'cluster') {
        const rc = flags.file ? await loadSpecFile(flags.file) : defaultCluster();
        if (flags.namespace) rc.metadata.namespace = flags.namespace;
        objects = renderCluster(rc, flags.existingSecret ? { existingSecret: true } : { password: generatePassword() });
      } else throw new InputError(`render: unknown "${what}": expected cluster or operator`);
      if (flags.output === 'json') process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`);
      else process.stdout.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    });
}

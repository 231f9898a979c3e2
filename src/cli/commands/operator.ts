/** `rck operator`: runs the RedisCluster operator (in the cluster, or from outside with a kubeconfig). */
import type { Command } from 'commander';
import { parseMillis } from '../options.js';

interface OperatorFlags {
  kubeconfig?: string;
  namespace?: string;
  interval: string;
}

export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description(
      'run the RedisCluster operator: applies each cluster\'s objects, creates the cluster when its pods are up, ' +
        'heals it (failovers, rejoins, slot repair), and writes status and Events; runs until interrupted',
    )
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)')
    .option('-n, --namespace <ns>', 'keep only the RedisClusters of this namespace (default: all namespaces)')
    .option('--interval <duration>', 'time between two reconcile passes of a cluster', '1s')
    .action(async (flags: OperatorFlags) => {
      // Loaded here, not at start-up: the Kubernetes client costs about half a second to import.
      const [{ KubeConfig }, { Operator }] = await Promise.all([import('@kubernetes/client-node'), import('../../platform/kubernetes/operator.js')]);
      const kc = new KubeConfig();
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromDefault();
      const op = new Operator({ kc, namespace: flags.namespace, intervalMs: parseMillis(flags.interval, '--interval') });
      await op.start();
      await new Promise<void>((resolve) => {
        // Finish the passes under way (bounded), then exit: open watch connections would keep the process alive.
        const stop = () => {
          setTimeout(resolve, 10_000).unref();
          void op.stop().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.exit(0);
    });
}

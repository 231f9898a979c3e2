/** `rck operator`: runs the RedisCluster operator (in the cluster, or from outside with a kubeconfig). */
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { parseMillis } from '../options.js';
import { InputError, errorText } from '../../errors.js';
import type { RckMetrics } from '../../controller/metrics.js';
import { type NodeAddress, formatAddress, parseAddress } from '../../redis/address.js';
import { type ObservabilityServer, serveObservability } from '../../platform/observability-server.js';

interface OperatorFlags {
  kubeconfig?: string;
  namespace?: string;
  interval: string;
  leaderElect: boolean;
  leaseNamespace?: string;
  leaseDuration: string;
  metricsAddress: string;
  webAddress?: string;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function registerOperator(program: Command): void {
  program
    .command('operator')
    .description(
      "run the RedisCluster operator: applies each cluster's objects, creates the cluster when its pods are up, " +
        'heals it (failovers, rejoins, slot repair), and writes status and Events; runs until interrupted',
    )
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)')
    .option('-n, --namespace <ns>', 'keep only the RedisClusters of this namespace (default: all namespaces)')
    .option('--interval <duration>', 'time between two reconcile passes of a cluster', '1s')
    .option('--no-leader-elect', 'act without holding the lease (only when a single operator can ever run)')
    .option('--lease-namespace <ns>', "namespace of the Lease rck-operator (default: the operator pod's own namespace; outside a cluster --namespace, else default)")
    .option('--lease-duration <duration>', 'how long a silent leader keeps the lease before another operator takes over', '15s')
    .option(
      '--metrics-address <host:port>',
      'where to serve /metrics (every kept cluster, labelled namespace and cluster) and, without --web-address, the web view (/clusters/<namespace>/<name>/); "none" serves neither',
      '127.0.0.1:9108',
    )
    .option(
      '--web-address <host:port>',
      'serve the web view here instead, apart from /metrics (the install bundle: /metrics on the pod IP for Prometheus, the web view on loopback for kubectl port-forward); "none" serves no web view',
    )
    .action(async (flags: OperatorFlags) => {
      // Loaded here, not at start-up: the Kubernetes client costs about half a second to import.
      const [{ KubeConfig }, { Operator }, { LeaderElector }] = await Promise.all([
        import('@kubernetes/client-node'),
        import('../../platform/kubernetes/operator.js'),
        import('../../platform/kubernetes/leader-election.js'),
      ]);
      const metricsAt = flags.metricsAddress === 'none' ? undefined : parseListenAddress(flags.metricsAddress, '--metrics-address');
      const webAt = flags.webAddress === undefined || flags.webAddress === 'none' ? flags.webAddress : parseListenAddress(flags.webAddress, '--web-address');
      const kc = new KubeConfig();
      if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
      else kc.loadFromDefault();
      const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      const stopping = new AbortController();
      let onStop: () => void = () => stopping.abort();
      process.once('SIGINT', () => onStop());
      process.once('SIGTERM', () => onStop());

      const elector = flags.leaderElect
        ? new LeaderElector({
            kc,
            namespace: flags.leaseNamespace ?? (await leaseNamespace(flags.namespace)),
            name: 'rck-operator',
            identity: `${hostname()}-${process.pid}`,
            leaseDurationMs: parseMillis(flags.leaseDuration, '--lease-duration'),
            log,
          })
        : undefined;
      if (elector && !(await elector.acquire(stopping.signal))) process.exit(0);
      // A major GC once the old generation grew 25% past what survived the last one (V8's default
      // lets it grow up to 4x): idle clusters keep garbage, not data (docs/benchmarks.md).
      setFlagsFromString('--heap-growing-percent=25');
      const op = new Operator({ kc, namespace: flags.namespace, intervalMs: parseMillis(flags.interval, '--interval'), log });
      // Another operator may act once our lease lapses: stop acting at once (the Deployment restarts us as a candidate).
      elector?.keepRenewing((why) => {
        log(`lost leadership: ${why}; exiting`);
        process.exit(1);
      });
      await op.start();
      const servers = await serveMetrics(op.metrics, metricsAt, webAt, log);
      await new Promise<void>((resolve) => {
        // Finish the passes under way (bounded), then exit: open watch connections would keep the process alive.
        onStop = () => {
          setTimeout(resolve, 10_000).unref();
          void op
            .stop()
            .then(() => Promise.all(servers.map((s) => s.close())))
            .finally(resolve);
        };
        if (stopping.signal.aborted) onStop();
      });
      await elector?.release();
      process.exit(0);
    });
}

/**
 * Serves /metrics, and the web view with it or at `webAt` (undefined: with /metrics; 'none':
 * nowhere). A port in use is logged, not fatal: healing matters more than being scraped
 * (and several operators may run on one machine, only one of them leading).
 */
async function serveMetrics(
  metrics: RckMetrics,
  metricsAt: NodeAddress | undefined,
  webAt: NodeAddress | 'none' | undefined,
  log: (line: string) => void,
): Promise<ObservabilityServer[]> {
  const { operatorWebRoutes } = await import('../../platform/kubernetes/operator-web.js');
  const web = operatorWebRoutes(metrics);
  const servers: ObservabilityServer[] = [];
  const serve = async (at: NodeAddress, what: string, withWeb: boolean) => {
    try {
      const server = await serveObservability(at.host, at.port, metrics, withWeb ? web.routes : {}, withWeb ? web.fallback : undefined);
      log(`${what} at ${server.url}/`);
      servers.push(server);
    } catch (err) {
      log(`cannot serve ${what} on ${formatAddress(at)}: ${errorText(err)}; running without it`);
    }
  };
  if (metricsAt) await serve(metricsAt, webAt === undefined ? 'metrics (/metrics) and web view' : 'metrics (/metrics)', webAt === undefined);
  if (webAt !== undefined && webAt !== 'none') await serve(webAt, 'web view', true);
  return servers;
}

function parseListenAddress(text: string, what: string): NodeAddress {
  try {
    return parseAddress(text);
  } catch (err) {
    throw new InputError(`${what}: ${errorText(err)}`);
  }
}

/** In a pod: its own namespace ($POD_NAMESPACE, else the service account's). Outside: the watched namespace. */
async function leaseNamespace(watched: string | undefined): Promise<string> {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  return readFile(SERVICE_ACCOUNT_NAMESPACE, 'utf8').then(
    (t) => t.trim(),
    () => watched ?? 'default',
  );
}

/**
 * A cloud's load balancers, for the test tier: each Service of type LoadBalancer gets an
 * address of its own, 127.254.x.y (pods get other 127 addresses), written to its status as a
 * cloud controller would, and a TCP proxy there that forwards each of its ports to a running
 * pod the Service selects. The pod is looked up per connection, so a re-created pod on a new IP
 * is followed, as a real load balancer follows its endpoints.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { CoreV1Api, type KubeConfig, PatchStrategy, type V1Pod, type V1Service, setHeaderOptions } from '@kubernetes/client-node';

const POLL_MS = 500;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Balancer {
  ip: string;
  servers: Server[];
  selector: Record<string, string>;
  namespace: string;
}

export class LoadBalancers {
  private readonly core: CoreV1Api;
  private readonly balancers = new Map<string, Balancer>();
  private pods: V1Pod[] = [];
  private timer?: NodeJS.Timeout;
  private next = 1;
  private polling = false;

  constructor(
    kc: KubeConfig,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const b of this.balancers.values()) await closeAll(b.servers);
    this.balancers.clear();
  }

  /** Every load balancer address handed out so far. */
  addresses(): string[] {
    return [...this.balancers.values()].map((b) => b.ip);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.pods = (await this.core.listPodForAllNamespaces()).items;
      const services = (await this.core.listServiceForAllNamespaces()).items.filter((s) => s.spec?.type === 'LoadBalancer');
      const seen = new Set<string>();
      for (const svc of services) {
        const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
        seen.add(key);
        if (!this.balancers.has(key)) await this.open(key, svc);
      }
      for (const [key, b] of this.balancers) {
        if (seen.has(key)) continue;
        this.balancers.delete(key);
        await closeAll(b.servers);
      }
    } catch (err) {
      this.log(`load balancers: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async open(key: string, svc: V1Service): Promise<void> {
    const n = this.next++;
    const ip = `127.254.${Math.floor(n / 254)}.${(n % 254) + 1}`;
    const b: Balancer = { ip, servers: [], selector: svc.spec?.selector ?? {}, namespace: svc.metadata!.namespace! };
    for (const port of svc.spec?.ports ?? []) {
      const target = typeof port.targetPort === 'number' ? port.targetPort : port.port;
      const server = createServer((client) => this.forward(b, target, client));
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port.port, ip, () => resolve()));
      b.servers.push(server);
    }
    this.balancers.set(key, b);
    await this.core.patchNamespacedServiceStatus({ name: svc.metadata!.name!, namespace: b.namespace, body: { status: { loadBalancer: { ingress: [{ ip }] } } } }, mergePatch);
    this.log(`load balancer ${ip} for service ${key}`);
  }

  private forward(b: Balancer, port: number, client: Socket): void {
    const pod = this.pods.find(
      (p) =>
        p.metadata?.namespace === b.namespace &&
        !p.metadata.deletionTimestamp &&
        p.status?.phase === 'Running' &&
        p.status.podIP &&
        Object.entries(b.selector).every(([k, v]) => p.metadata?.labels?.[k] === v),
    );
    if (!pod) {
      client.destroy();
      return;
    }
    const upstream = connect(port, pod.status!.podIP!);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  }
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
}

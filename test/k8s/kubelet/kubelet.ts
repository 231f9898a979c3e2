/**
 * The process kubelet: registers the fake nodes, then every half second lists pods and
 * reconciles one PodWorker per pod bound to its nodes (level-triggered, like a kubelet's
 * sync loop). Pod IPs are fresh loopback addresses 127.N.x.y, never reused within a run,
 * so a re-created pod always comes back on a new address. N (1-250) is drawn per kubelet, so
 * test tiers running at once on one machine (two worktrees) do not bind each other's addresses.
 * It also stands in for cluster DNS for the test's clients: `resolve` answers a pod's name
 * under its headless Service (<hostname>.<subdomain>.<namespace>.svc.cluster.local) with its
 * current IP.
 */
import { randomInt } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { ImageEntrypoint } from './command.js';
import { KubeletApi } from './kube-api.js';
import { DEFAULT_NODES, type FakeNode, NodeAgent } from './nodes.js';
import { PodWorker } from './pod-worker.js';

export interface KubeletOptions {
  kubeConfig: KubeConfig;
  /** Pod directories (volumes, logs) and the NFS root live here. */
  rootDir: string;
  nodes?: FakeNode[];
  kubeletVersion?: string;
  /** Entrypoints for images other than redis (whose containers give no command). */
  images?: ImageEntrypoint[];
  log?: (line: string) => void;
}

const SYNC_MS = 500;

export class ProcessKubelet {
  readonly api: KubeletApi;
  readonly nodes: FakeNode[];
  readonly nfsRoot: string;
  private agent: NodeAgent;
  private workers = new Map<string, PodWorker>();
  private finishing = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private syncing = false;
  private stopped = false;
  private nextIP = 0;
  private readonly ipBlock = randomInt(1, 251);
  private log: (line: string) => void;
  /** Pod DNS names -> IPs, as of the last sync. */
  private names = new Map<string, string>();

  constructor(private opts: KubeletOptions) {
    this.api = new KubeletApi(opts.kubeConfig);
    this.nodes = opts.nodes ?? DEFAULT_NODES;
    this.nfsRoot = join(opts.rootDir, 'nfs');
    this.log = opts.log ?? (() => {});
    this.agent = new NodeAgent(this.api, this.nodes, opts.kubeletVersion ?? 'v1.34.4', this.log);
  }

  async start(): Promise<void> {
    await mkdir(join(this.opts.rootDir, 'pods'), { recursive: true });
    await mkdir(this.nfsRoot, { recursive: true });
    await this.agent.register();
    this.timer = setInterval(() => void this.sync(), SYNC_MS);
    await this.sync();
  }

  private allocateIP(): string {
    const n = this.nextIP++;
    // 127.N.0.1 .. 127.N.255.254, skipping .0 and .255 of each /24.
    return `127.${this.ipBlock}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }

  private async sync(): Promise<void> {
    if (this.syncing || this.stopped) return;
    this.syncing = true;
    try {
      const mine = new Set(this.nodes.map((n) => n.name).filter((n) => !this.agent.down.has(n)));
      const all = await this.api.listPods();
      this.names = podNames(all);
      const pods = all.filter((p) => mine.has(p.spec?.nodeName ?? ''));
      const seen = new Set<string>();
      for (const pod of pods) {
        const uid = pod.metadata!.uid!;
        seen.add(uid);
        const worker = this.workers.get(uid);
        if (worker) worker.update(pod);
        else if (!isFinished(pod)) this.startWorker(pod);
      }
      for (const [uid, w] of this.workers) {
        if (!seen.has(uid)) {
          this.workers.delete(uid);
          this.track(w.orphaned());
        }
      }
    } catch (e) {
      this.log(`kubelet sync failed: ${(e as Error).message}`);
    } finally {
      this.syncing = false;
    }
  }

  /** A pod's DNS name (as cluster DNS would answer it for a headless Service's pods), or undefined. */
  resolve(name: string): string | undefined {
    return this.names.get(name.replace(/\.$/, ''));
  }

  private startWorker(pod: V1Pod) {
    const w = new PodWorker(pod, {
      api: this.api,
      podsDir: join(this.opts.rootDir, 'pods'),
      nfsRoot: this.nfsRoot,
      images: this.opts.images ?? [],
      allocateIP: () => this.allocateIP(),
      log: this.log,
    });
    this.workers.set(pod.metadata!.uid!, w);
    this.track(w.run().catch((e) => this.log(`pod ${w.key} failed: ${(e as Error).stack}`)));
    w.update(pod);
  }

  private track(p: Promise<void>) {
    this.finishing.add(p);
    void p.finally(() => this.finishing.delete(p));
  }

  /**
   * Simulates a node failure: its pod processes are killed and its heartbeats stop, while
   * the API objects stay as they are (the node lifecycle controller notices after its grace
   * period). startNode brings it back; its pods restart there on new IPs.
   */
  async stopNode(name: string): Promise<void> {
    this.agent.down.add(name);
    const dying = [...this.workers].filter(([, w]) => w.nodeName === name);
    for (const [uid] of dying) this.workers.delete(uid);
    await Promise.all(dying.map(([, w]) => w.orphaned()));
  }

  async startNode(name: string): Promise<void> {
    await this.agent.up(name);
    await this.sync();
  }

  private worker(namespace: string, pod: string): PodWorker {
    // The newest worker of that name: an old one may still be terminating.
    const w = [...this.workers.values()].filter((x) => x.key === `${namespace}/${pod}`).at(-1);
    if (!w) throw new Error(`pod ${namespace}/${pod} is not running on the process kubelet`);
    return w;
  }

  /** Stands in for `kubectl exec` (there is no kubelet API): exit code and combined output (first 4 KiB). */
  async exec(namespace: string, pod: string, argv: string[], opts: { container?: string; timeoutMs?: number } = {}) {
    const c = this.worker(namespace, pod).container(opts.container);
    if (!c) throw new Error(`pod ${namespace}/${pod} has no running container ${opts.container ?? ''}`);
    return c.exec(argv, opts.timeoutMs ?? 30_000);
  }

  /** Stands in for `kubectl logs`: the file the container's stdout and stderr go to. */
  logFile(namespace: string, pod: string, container: string): string {
    return this.worker(namespace, pod).logFile(container);
  }

  /** Stops the sync loop and kills every pod process (the API objects are left as they are). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.agent.stop();
    await Promise.all([...this.workers.values()].map((w) => w.orphaned()));
    this.workers.clear();
    await Promise.allSettled([...this.finishing]);
  }
}

/** Pods that ended (Succeeded/Failed) are not restarted by a fresh kubelet. */
function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** <hostname>.<subdomain>.<namespace>.svc.cluster.local of every pod with an IP that is not being deleted. */
function podNames(pods: V1Pod[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of pods) {
    const { hostname, subdomain } = p.spec ?? {};
    if (!hostname || !subdomain || !p.status?.podIP || p.metadata?.deletionTimestamp) continue;
    out.set(`${hostname}.${subdomain}.${p.metadata?.namespace}.svc.cluster.local`, p.status.podIP);
  }
  return out;
}

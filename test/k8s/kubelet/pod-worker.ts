/**
 * The life of one pod bound to a fake node: set up (pod IP, volumes, environment), run init
 * containers in order, run the containers, report status, and on deletion stop everything
 * within the grace period and remove the pod object. Retries setup while volumes or
 * referenced objects are not there yet, as the kubelet does.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Container, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { type ImageEntrypoint, containerArgv, imageOf } from './command.js';
import { ContainerRunner } from './container.js';
import { containerEnv } from './env.js';
import { type KubeletApi, isNotFound } from './kube-api.js';
import { NODE_IP } from './nodes.js';
import { applyFsGroup, checkRunAsNonRoot, containerIdentity } from './security.js';
import { containerMounts, prepareVolumes, refreshVolumes } from './volumes.js';

export interface PodDeps {
  api: KubeletApi;
  podsDir: string;
  nfsRoot: string;
  images: ImageEntrypoint[];
  allocateIP(): string;
  log(line: string): void;
}

const SETUP_RETRY_MS = 1_000;
/**
 * How often a running pod's ConfigMap, Secret and downward API volumes are brought up to
 * date. A real kubelet takes up to its sync period plus its cache's TTL (about a minute);
 * shorter here so tests of a renewed Secret do not wait that long.
 */
const VOLUME_REFRESH_MS = 2_000;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class PodWorker {
  private containers: ContainerRunner[] = [];
  private initContainers: ContainerRunner[] = [];
  private podIP = '';
  private startTime = now();
  private initialized = false;
  private setupError = '';
  private terminating: Promise<void> | undefined;
  private gone = false;
  private patchTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** The volume refresh in flight: termination waits for it before removing the volumes. */
  private refreshing: Promise<void> | undefined;
  private readonly dir: string;

  constructor(
    private pod: V1Pod,
    private deps: PodDeps,
  ) {
    const m = pod.metadata!;
    this.dir = join(deps.podsDir, `${m.namespace}_${m.name}_${m.uid}`);
  }

  get key() {
    return `${this.pod.metadata!.namespace}/${this.pod.metadata!.name}`;
  }

  get uid() {
    return this.pod.metadata!.uid!;
  }
  get nodeName() {
    return this.pod.spec?.nodeName ?? '';
  }

  /** The running container of that name (the first one when name is undefined). */
  container(name?: string): ContainerRunner | undefined {
    return this.containers.find((r) => name === undefined || r.spec.name === name);
  }

  logFile(container: string): string {
    return join(this.dir, 'logs', `${container}.log`);
  }

  /** Latest object from the API server; starts termination once it carries a deletionTimestamp. */
  update(pod: V1Pod): void {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp && !this.terminating) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      this.terminating = this.terminate(grace * 1000, true);
    }
  }

  /** The pod object vanished (force deletion): stop at once, nothing left to report. */
  async orphaned(): Promise<void> {
    this.gone = true;
    this.terminating ??= this.terminate(0, false);
    await this.terminating;
  }

  async run(): Promise<void> {
    const spec = this.pod.spec!;
    this.podIP = spec.hostNetwork ? NODE_IP : this.deps.allocateIP();
    await mkdir(join(this.dir, 'logs'), { recursive: true });
    let volumePaths: Map<string, string> | undefined;
    while (!this.terminating) {
      try {
        volumePaths = await prepareVolumes(this.pod, this.dir, this.volumeSources());
        await applyFsGroup(this.pod, volumePaths);
        this.setupError = '';
        break;
      } catch (e) {
        this.noteSetupError(e);
        await new Promise((r) => setTimeout(r, SETUP_RETRY_MS));
      }
    }
    if (!volumePaths || this.terminating) return;
    if (!spec.hostNetwork) await writeFile(this.hostsFile(), this.hostsContent());
    this.deps.log(`pod ${this.key} on ${spec.nodeName} has IP ${this.podIP}`);
    for (const c of spec.initContainers ?? []) {
      const runner = await this.runner(c, volumePaths, true);
      if (!runner) return;
      this.initContainers.push(runner);
      void runner.start();
      await runner.done;
      if (runner.lastExitCode !== 0 || this.terminating) {
        this.schedulePatch();
        return;
      }
    }
    this.initialized = true;
    for (const c of spec.containers) {
      const runner = await this.runner(c, volumePaths, false);
      if (!runner) return;
      this.containers.push(runner);
    }
    for (const r of this.containers) void r.start();
    this.schedulePatch();
    this.refreshVolumesEvery(volumePaths);
  }

  private refreshVolumesEvery(volumePaths: Map<string, string>) {
    this.refreshTimer = setInterval(() => {
      if (this.refreshing || this.terminating) return;
      this.refreshing = refreshVolumes(this.pod, volumePaths, this.volumeSources(), this.pod.spec?.securityContext?.fsGroup)
        .then((changed) => {
          if (changed.length > 0) this.deps.log(`pod ${this.key}: volumes ${changed.join(', ')} refreshed`);
        })
        .catch((e) => this.deps.log(`pod ${this.key}: volume refresh failed: ${(e as Error).message}`))
        .finally(() => (this.refreshing = undefined));
    }, VOLUME_REFRESH_MS);
  }

  private hostsFile() {
    return join(this.dir, 'etc-hosts');
  }

  /** The kubelet-managed /etc/hosts: the pod's own name resolves to its IP (`hostname -i` works). */
  private hostsContent(): string {
    const m = this.pod.metadata!;
    const host = this.pod.spec?.hostname ?? m.name!;
    const sub = this.pod.spec?.subdomain;
    const names = sub ? `${host}.${sub}.${m.namespace}.svc.cluster.local ${host}` : host;
    return `# Kubernetes-managed hosts file (process kubelet).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${this.podIP}\t${names}\n`;
  }

  private mounts(c: V1Container, volumePaths: Map<string, string>) {
    const mounts = containerMounts(c, volumePaths);
    if (this.pod.spec?.hostNetwork || mounts.some((m) => m.target === '/etc/hosts')) return mounts;
    return [...mounts, { source: this.hostsFile(), target: '/etc/hosts', readOnly: false }];
  }

  /** A runner for the container, retrying while its environment's references are missing. */
  private async runner(c: V1Container, volumePaths: Map<string, string>, isInit: boolean): Promise<ContainerRunner | undefined> {
    const ns = this.pod.metadata!.namespace!;
    while (!this.terminating) {
      try {
        const env = await containerEnv(this.pod, c, {
          podIP: this.podIP,
          hostIP: NODE_IP,
          apiHost: this.deps.api.server.hostname,
          apiPort: this.deps.api.server.port || '443',
          configMap: async (n) => strings(await this.deps.api.configMap(ns, n)),
          secret: async (n) => strings(await this.deps.api.secret(ns, n)),
        });
        const mapped = imageOf(c, this.deps.images);
        const root = mapped?.rootfs;
        const identity = containerIdentity(this.pod, c, root?.user);
        if (root) checkRunAsNonRoot(this.pod, c, identity);
        if (root || mapped?.env) {
          // The image's Env under the container's own (Kubernetes: the container's env wins).
          for (const kv of root?.env ?? mapped!.env!) {
            const [k, v] = [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)];
            if (!c.env?.some((e) => e.name === k)) env.set(k, v);
          }
        }
        const image = root && { rootfs: root.path, scratchDir: join(this.dir, 'rootfs', c.name), readOnly: Boolean(c.securityContext?.readOnlyRootFilesystem) };
        return new ContainerRunner(
          c,
          {
            argv: containerArgv(c, env, this.deps.images),
            identity,
            image,
            workingDir: root?.workingDir,
            env,
            mounts: this.mounts(c, volumePaths),
            hostname: this.pod.spec?.hostname ?? this.pod.metadata!.name!,
            podIP: this.podIP,
            logFile: join(this.dir, 'logs', `${c.name}.log`),
            restartPolicy: this.pod.spec?.restartPolicy ?? 'Always',
            graceMs: (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
            onChange: () => this.schedulePatch(),
            log: (l) => this.deps.log(`pod ${this.key}: ${l}`),
          },
          isInit,
        );
      } catch (e) {
        this.noteSetupError(e);
        await new Promise((r) => setTimeout(r, SETUP_RETRY_MS));
      }
    }
    return undefined;
  }

  private noteSetupError(e: unknown) {
    const msg = (e as Error).message;
    if (msg !== this.setupError) this.deps.log(`pod ${this.key} waiting: ${msg}`);
    this.setupError = msg;
    this.schedulePatch();
  }

  private volumeSources() {
    const ns = this.pod.metadata!.namespace!;
    return {
      podIP: this.podIP,
      hostIP: NODE_IP,
      nfsRoot: this.deps.nfsRoot,
      configMap: (n: string) => this.deps.api.configMap(ns, n),
      secret: (n: string) => this.deps.api.secret(ns, n),
      boundVolume: (claim: string) => this.deps.api.boundVolume(ns, claim),
      serviceAccountToken: (aud: string | undefined, exp: number | undefined) => this.deps.api.serviceAccountToken(this.pod, aud, exp),
    };
  }

  private async terminate(graceMs: number, removeObject: boolean): Promise<void> {
    this.deps.log(`pod ${this.key}: stopping (grace ${graceMs / 1000} s)`);
    clearInterval(this.refreshTimer);
    await Promise.all([...this.initContainers, ...this.containers].map((r) => r.stop(graceMs)));
    if (removeObject && !this.gone) {
      await this.patchStatus().catch(() => {});
      // Nobody awaits an API-initiated termination: report failures instead of rejecting.
      await this.deps.api.deletePodNow(this.pod).catch((e: Error) => this.deps.log(`pod ${this.key}: delete failed: ${e.message}`));
    }
    clearTimeout(this.patchTimer);
    this.gone = true;
    await this.refreshing; // a refresh writing as they are removed would leave a directory behind
    await rm(join(this.dir, 'volumes'), { recursive: true, force: true });
    this.deps.log(`pod ${this.key}: stopped${removeObject ? ' and removed' : ''}`);
  }

  /** Status writes are coalesced: many container events make one patch. */
  private schedulePatch() {
    if (this.gone || this.patchTimer) return;
    this.patchTimer = setTimeout(() => {
      this.patchTimer = undefined;
      this.patchStatus().catch((e) => {
        if (isNotFound(e)) return;
        this.deps.log(`pod ${this.key}: status patch failed: ${(e as Error).message}`);
        this.schedulePatch();
      });
    }, 100);
  }

  private async patchStatus(): Promise<void> {
    if (this.gone) return;
    await this.deps.api.patchPodStatus(this.pod, this.status());
  }

  status(): object {
    const spec = this.pod.spec!;
    const running = this.containers.filter((r) => r.state.running).length;
    const ended = this.containers.filter((r) => r.state.terminated);
    const allReady = this.containers.length === spec.containers.length && this.containers.every((r) => r.ready);
    const initFailed = this.initContainers.some((r) => r.state.terminated && r.lastExitCode !== 0);
    let phase = 'Pending';
    if (initFailed && spec.restartPolicy === 'Never') phase = 'Failed';
    else if (this.containers.length > 0 && ended.length === this.containers.length) {
      phase = ended.every((r) => r.lastExitCode === 0) ? 'Succeeded' : 'Failed';
    } else if (this.initialized && (running > 0 || this.containers.some((r) => r.restartCount > 0 || r.lastState.terminated))) phase = 'Running';
    const t = now();
    const cond = (type: string, ok: boolean, reason?: string): V1PodCondition => ({
      type,
      status: ok ? 'True' : 'False',
      lastTransitionTime: t as unknown as Date,
      ...(ok || !reason ? {} : { reason }),
    });
    const prior = new Map((this.pod.status?.conditions ?? []).map((c) => [c.type, c]));
    // Keep lastTransitionTime when the status did not change.
    const keep = (c: V1PodCondition) => (prior.get(c.type)?.status === c.status ? { ...c, lastTransitionTime: prior.get(c.type)!.lastTransitionTime } : c);
    const volumesReady = this.podIP !== '' && this.setupError === '';
    return {
      phase,
      ...(this.setupError ? { message: this.setupError, reason: 'ContainerCreating' } : {}),
      // Lists merge by ip in a strategic merge patch; replace them so a new IP does not add a second one.
      hostIP: NODE_IP,
      hostIPs: [{ $patch: 'replace' }, { ip: NODE_IP }],
      ...(this.podIP ? { podIP: this.podIP, podIPs: [{ $patch: 'replace' }, { ip: this.podIP }] } : {}),
      startTime: this.startTime,
      conditions: [
        cond('PodReadyToStartContainers', volumesReady),
        cond('Initialized', this.initialized, 'ContainersNotInitialized'),
        cond('ContainersReady', allReady, 'ContainersNotReady'),
        cond('Ready', allReady, 'ContainersNotReady'),
      ].map(keep),
      initContainerStatuses: this.initContainers.map((r) => r.status()),
      containerStatuses: spec.containers.map(
        (c) =>
          this.containers.find((r) => r.spec.name === c.name)?.status() ?? {
            name: c.name,
            image: c.image ?? '',
            imageID: '',
            ready: false,
            restartCount: 0,
            started: false,
            state: { waiting: { reason: 'ContainerCreating' } },
          },
      ),
    };
  }
}

function strings(data: Record<string, Buffer> | undefined): Record<string, string> | undefined {
  return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString()]));
}

/**
 * The Kubernetes tier for tests: builds the control plane binaries if missing, starts etcd,
 * the API server, controller manager and scheduler on loopback, then the process kubelet
 * and the hostPath provisioner. With RCK_E2E_KUBECONFIG set, tests use that cluster
 * instead (kind, k3d, a real one) and nothing is started.
 */
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from './control-plane/control-plane.js';
import type { ImageEntrypoint } from './kubelet/command.js';
import { ProcessKubelet } from './kubelet/kubelet.js';
import { sleep } from './process.js';
import { HostPathProvisioner } from './provisioner.js';
import { makeWorkDir } from './stale-dirs.js';

export interface K8sTestEnv {
  kubeconfigPath: string;
  kc: KubeConfig;
  /** 'built': our control plane and process kubelet; 'external': RCK_E2E_KUBECONFIG. */
  kind: 'built' | 'external';
  /** Logs of the components and pods (built only). */
  workDir?: string;
  kubelet?: ProcessKubelet;
  timings: { buildMs: number; startMs: number };
  stop(): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD_TIMEOUT_MS = 60 * 60_000;

/** Runs testenv/k8s/build.sh (a no-op when cached); returns the binaries' directory. */
export function buildControlPlane(progress: (l: string) => void): Promise<string> {
  return new Promise((ok, fail) => {
    const child = execFile(join(repoRoot, 'testenv/k8s/build.sh'), { timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? fail(new Error(`control plane build failed: ${err.message}\n${stderr.slice(-4000)}`)) : ok(stdout.trim()),
    );
    child.stderr?.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.startsWith('build:')) progress(l);
    });
  });
}

export interface K8sTestEnvOptions {
  progress?: (line: string) => void;
  /** Entrypoints of non-redis images for the process kubelet (e.g. the operator's image). */
  images?: ImageEntrypoint[];
  /** Whether the provisioner's StorageClass is the default one (true, as on kind). */
  defaultStorageClass?: boolean;
}

export async function startK8sTestEnv(opts: K8sTestEnvOptions = {}): Promise<K8sTestEnv> {
  const progress = opts.progress ?? ((l: string) => console.error(`[k8s] ${l}`));
  const external = process.env.RCK_E2E_KUBECONFIG;
  if (external) {
    const kc = new KubeConfig();
    kc.loadFromFile(external);
    return { kubeconfigPath: external, kc, kind: 'external', timings: { buildMs: 0, startMs: 0 }, stop: async () => {} };
  }
  const t0 = Date.now();
  const binDir = await buildControlPlane(progress);
  const buildMs = Date.now() - t0;
  const workDir = await makeWorkDir(tmpdir(), 'rck-k8s');
  const t1 = Date.now();
  const cp = await startControlPlane({ binDir, workDir: join(workDir, 'control-plane'), progress });
  let kubelet: ProcessKubelet | undefined;
  let provisioner: HostPathProvisioner | undefined;
  const stop = async () => {
    provisioner?.stop();
    await kubelet?.stop();
    await cp.stop();
    // Retried: a pod's last writes can land while the tree is removed (ENOTEMPTY seen).
    if (!process.env.RCK_K8S_KEEP) await rm(workDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    else {
      await writeFile(join(workDir, 'KEEP'), 'kept because RCK_K8S_KEEP was set\n');
      progress(`kept ${workDir}`);
    }
  };
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    kubelet = new ProcessKubelet({ kubeConfig: kc, rootDir: join(workDir, 'kubelet'), images: opts.images, log: kubeletLog(workDir) });
    await kubelet.start();
    provisioner = new HostPathProvisioner(kc, join(workDir, 'volumes'), kubeletLog(workDir), opts.defaultStorageClass ?? true);
    await provisioner.start();
    await waitForDefaultServiceAccount(kc, 'default');
    const startMs = Date.now() - t1;
    progress(`control plane, ${kubelet.nodes.length} process nodes and provisioner up in ${(startMs / 1000).toFixed(1)} s; KUBECONFIG=${cp.kubeconfigPath}`);
    return { kubeconfigPath: cp.kubeconfigPath, kc, kind: 'built', workDir, kubelet, timings: { buildMs, startMs }, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function kubeletLog(workDir: string): (l: string) => void {
  const file = join(workDir, 'kubelet.log');
  // Appending synchronously keeps lines in order and survives a crash; volume is small.
  return (l) => {
    try {
      appendFileSync(file, `${new Date().toISOString()} ${l}\n`);
    } catch (err) {
      // A pod worker's last line after stop() removed the work directory: nowhere to write it, no reason to crash.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
}

/** Pods need their namespace's "default" ServiceAccount, which the controller manager creates. */
export async function waitForDefaultServiceAccount(kc: KubeConfig, namespace: string, timeoutMs = 60_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`no default ServiceAccount in ${namespace} after ${timeoutMs / 1000} s: ${(e as Error).message}`, { cause: e });
      await sleep(200);
    }
  }
}

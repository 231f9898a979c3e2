/**
 * Starts and stops a real Kubernetes control plane on loopback only: etcd (Debian's
 * etcd-server), kube-apiserver, kube-controller-manager and kube-scheduler built by
 * testenv/k8s/build.sh. Every listener binds 127.0.0.1.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Managed, freeLoopbackPort, startManaged, stopManaged } from '../process.js';
import { makeWorkDir } from '../stale-dirs.js';
import { SERVICE_CIDR, generateCerts } from './certs.js';
import { type TlsClient, waitHealthy } from './health.js';
import { writeKubeconfig } from './kubeconfig.js';

export interface ControlPlaneOptions {
  /** Directory holding kube-apiserver, kube-controller-manager, kube-scheduler. */
  binDir: string;
  /** Working directory for certificates, logs and the kubeconfig (created if missing). */
  workDir: string;
  etcdBinary?: string;
  progress?: (line: string) => void;
}

export interface ControlPlane {
  kubeconfigPath: string;
  server: string;
  workDir: string;
  /** TLS material for raw HTTPS calls to the API server as admin. */
  adminTls: Required<TlsClient>;
  stop(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 120_000;

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const say = opts.progress ?? (() => {});
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  await mkdir(opts.workDir, { recursive: true });
  const pki = join(opts.workDir, 'pki');
  await mkdir(pki, { recursive: true });
  const started: Managed[] = [];
  // etcd's data lives in memory when /dev/shm exists: fsync on a shared VM disk is slow.
  const etcdData = await makeWorkDir(existsSync('/dev/shm') ? '/dev/shm' : opts.workDir, 'rck-etcd');

  const stop = async () => {
    for (const m of [...started].reverse()) await stopManaged(m);
    await rm(etcdData, { recursive: true, force: true });
  };

  try {
    const certs = await generateCerts(pki);
    const adminTls = {
      ca: await readFile(certs.caCert),
      cert: await readFile(certs.adminCert),
      key: await readFile(certs.adminKey),
    };
    const [etcdPort, peerPort, apiPort, kcmPort, schedPort] = (await Promise.all([0, 1, 2, 3, 4].map(() => freeLoopbackPort()))) as [number, number, number, number, number];
    const log = (name: string) => join(opts.workDir, `${name}.log`);
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(opts.workDir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, server, certs);

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = await startManaged(
      'etcd',
      opts.etcdBinary ?? 'etcd',
      [
        '--name',
        'rck',
        '--data-dir',
        etcdData,
        '--listen-client-urls',
        etcdUrl,
        '--advertise-client-urls',
        etcdUrl,
        '--listen-peer-urls',
        peerUrl,
        '--initial-advertise-peer-urls',
        peerUrl,
        '--initial-cluster',
        `rck=${peerUrl}`,
        '--initial-cluster-state',
        'new',
        '--listen-metrics-urls',
        '',
        '--logger',
        'zap',
        '--log-outputs',
        'stderr',
      ],
      log('etcd'),
    );
    started.push(etcd);
    await waitHealthy(etcd, `${etcdUrl}/health`, {}, HEALTH_TIMEOUT_MS);
    say(`etcd ready (${elapsed()})`);

    const apiserver = await startManaged(
      'kube-apiserver',
      join(opts.binDir, 'kube-apiserver'),
      [
        '--etcd-servers',
        etcdUrl,
        '--bind-address',
        '127.0.0.1',
        '--advertise-address',
        '127.0.0.1',
        '--secure-port',
        String(apiPort),
        '--cert-dir',
        join(opts.workDir, 'apiserver-certs'),
        '--tls-cert-file',
        certs.serverCert,
        '--tls-private-key-file',
        certs.serverKey,
        '--client-ca-file',
        certs.caCert,
        '--service-account-issuer',
        'https://kubernetes.default.svc.cluster.local',
        '--service-account-key-file',
        certs.saPub,
        '--service-account-signing-key-file',
        certs.saKey,
        '--service-cluster-ip-range',
        SERVICE_CIDR,
        '--authorization-mode',
        'RBAC',
        '--allow-privileged=true',
        // The kubernetes Service's Endpoints may not hold a loopback address; nothing here needs them.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ],
      log('kube-apiserver'),
    );
    started.push(apiserver);
    await waitHealthy(apiserver, `${server}/readyz`, adminTls, HEALTH_TIMEOUT_MS);
    say(`kube-apiserver ready at ${server} (${elapsed()})`);

    // The admin kubeconfig serves as the components' identity and delegated authn/authz.
    const asClient = ['--kubeconfig', kubeconfigPath, '--authentication-kubeconfig', kubeconfigPath, '--authorization-kubeconfig', kubeconfigPath];
    const kcm = await startManaged(
      'kube-controller-manager',
      join(opts.binDir, 'kube-controller-manager'),
      [
        ...asClient,
        '--bind-address',
        '127.0.0.1',
        '--secure-port',
        String(kcmPort),
        '--cert-dir',
        join(opts.workDir, 'kcm-certs'),
        '--leader-elect=false',
        '--service-account-private-key-file',
        certs.saKey,
        '--root-ca-file',
        certs.caCert,
        '--cluster-signing-cert-file',
        certs.caCert,
        '--cluster-signing-key-file',
        certs.caKey,
        '--service-cluster-ip-range',
        SERVICE_CIDR,
        '--use-service-account-credentials=false',
        // A claim created just after its PV can miss it and waits for the next resync (15 s by default).
        '--pvclaimbinder-sync-period=2s',
        '--profiling=false',
      ],
      log('kube-controller-manager'),
    );
    started.push(kcm);
    const scheduler = await startManaged(
      'kube-scheduler',
      join(opts.binDir, 'kube-scheduler'),
      [
        ...asClient,
        '--bind-address',
        '127.0.0.1',
        '--secure-port',
        String(schedPort),
        '--cert-dir',
        join(opts.workDir, 'scheduler-certs'),
        '--leader-elect=false',
        // A pod the scheduler parked as unschedulable, and no later event requeued, waits for this
        // flush (5 min by default). One CI run had a StatefulSet pod Pending for over 3 min while
        // its two siblings ran (cause not captured; the tests' diagnostics now print Warning
        // events). Such a pod is retried at the next 30 s flush instead.
        '--pod-max-in-unschedulable-pods-duration=10s',
        '--profiling=false',
      ],
      log('kube-scheduler'),
    );
    started.push(scheduler);
    await Promise.all([
      waitHealthy(kcm, `https://127.0.0.1:${kcmPort}/healthz`, {}, HEALTH_TIMEOUT_MS),
      waitHealthy(scheduler, `https://127.0.0.1:${schedPort}/healthz`, {}, HEALTH_TIMEOUT_MS),
    ]);
    say(`kube-controller-manager and kube-scheduler ready (${elapsed()})`);
    return { kubeconfigPath, server, workDir: opts.workDir, adminTls, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

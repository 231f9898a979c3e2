/**
 * Self-tests of the Kubernetes test tier (issue 6): the built control plane, the process
 * kubelet and the provisioner, driven through @kubernetes/client-node like the product will.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, PatchStrategy, type V1Pod, VersionApi, setHeaderOptions } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sTestEnv, startK8sTestEnv, waitForDefaultServiceAccount } from './harness.js';
import { descendantPids, isLoopback, tcpListeners } from './host-processes.js';
import { PASSWORD, configMap, headlessService, secret, statefulSet } from './manifests.js';
import { waitFor } from './wait.js';

const NS = 'rck-selftest';
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
let env: K8sTestEnv;
let core: CoreV1Api;
let apps: AppsV1Api;
let stopped = false;

const stopEnv = async () => {
  if (!stopped && env) {
    stopped = true;
    await env.stop();
  }
};

beforeAll(async () => {
  if (process.env.RCK_E2E_KUBECONFIG) return;
  env = await startK8sTestEnv();
  console.error(`[k8s] build step ${(env.timings.buildMs / 1000).toFixed(1)} s, start-up ${(env.timings.startMs / 1000).toFixed(1)} s`);
  core = env.kc.makeApiClient(CoreV1Api);
  apps = env.kc.makeApiClient(AppsV1Api);
}, 60 * 60_000);

afterAll(stopEnv, 120_000);

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const readyTime = (p: V1Pod) => new Date(p.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!).getTime();
const pod = (name: string) => core.readNamespacedPod({ name, namespace: NS });

async function readyPods(n: number): Promise<V1Pod[]> {
  return waitFor(
    `${n} ready kv pods`,
    async () => {
      const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=kv' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return pods.length === n && pods.every(isReady) ? pods.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!)) : undefined;
    },
    undefined,
    podSummary,
  );
}

/** One line per pod (phase, node, IP, container state) for failure messages. */
async function podSummary(): Promise<string> {
  const pods = (await core.listNamespacedPod({ namespace: NS })).items;
  return pods
    .map((p) => {
      const cs = p.status?.containerStatuses?.map((c) => `${c.name}:${Object.keys(c.state ?? {})[0]}/ready=${c.ready}/restarts=${c.restartCount}`);
      return `${p.metadata?.name} ${p.status?.phase} node=${p.spec?.nodeName} ip=${p.status?.podIP} ${cs?.join(',')} ${p.status?.message ?? ''}`;
    })
    .join('\n');
}

async function withRedis<T>(ip: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: ip, port: 6379, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  r.on('error', () => {}); // failures surface through the awaited command
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

// Tests of the built tier itself; on an external cluster (RCK_E2E_KUBECONFIG) there is nothing of ours to test.
describe.skipIf(Boolean(process.env.RCK_E2E_KUBECONFIG))('Kubernetes test control plane', { timeout: 300_000 }, () => {
  it('serves the pinned version to @kubernetes/client-node and has three Ready nodes in distinct zones', async () => {
    const version = await env.kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.34.4');
    const nodes = await waitFor('3 Ready nodes', async () => {
      const items = (await core.listNode()).items;
      const ready = items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length >= 3 ? ready : undefined;
    });
    const zones = new Set(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']));
    expect(zones.size).toBeGreaterThanOrEqual(3);
    for (const n of nodes) expect(n.metadata?.labels?.['kubernetes.io/hostname']).toBe(n.metadata?.name);
  });

  it('brings up a StatefulSet in ordinal order with bound claims, distinct pod IPs and one pod per node', async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await waitForDefaultServiceAccount(env.kc, NS);
    await core.createNamespacedSecret({ namespace: NS, body: secret(NS) });
    await core.createNamespacedConfigMap({ namespace: NS, body: configMap(NS) });
    await core.createNamespacedService({ namespace: NS, body: headlessService(NS) });
    await apps.createNamespacedStatefulSet({ namespace: NS, body: statefulSet(NS, 3) });

    const pods = await readyPods(3);
    expect(pods.map((p) => p.metadata!.name)).toEqual(['kv-0', 'kv-1', 'kv-2']);
    // OrderedReady: each pod was created only once its predecessor was Ready.
    for (let i = 1; i < 3; i++) {
      expect(new Date(pods[i]!.metadata!.creationTimestamp!).getTime()).toBeGreaterThanOrEqual(readyTime(pods[i - 1]!));
    }
    const ips = pods.map((p) => p.status!.podIP!);
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip).toMatch(/^127\./);
    expect(new Set(pods.map((p) => p.spec!.nodeName)).size).toBe(3);
    for (const i of [0, 1, 2]) {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: `data-kv-${i}`, namespace: NS });
      expect(pvc.status?.phase).toBe('Bound');
    }
    // Each Redis answers on its own pod IP, with the password from the Secret and its config from the ConfigMap.
    for (const ip of ips) expect(await withRedis(ip, (r) => r.config('GET', 'dir'))).toEqual(['dir', '/data']);
    // Inside the pod: its hostname, the securityContext's user, the ConfigMap at its mountPath.
    // And the service account token the ServiceAccount admission plugin projected, as in-cluster clients read it.
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const inPod = await env.kubelet!.exec(NS, 'kv-0', [
      'sh',
      '-c',
      `echo "$(hostname) $(hostname -i) $(id -u) $(head -1 /etc/redis/redis.conf) $(cat ${sa}/namespace) $(head -c 3 ${sa}/token)"`,
    ]);
    expect(inPod).toEqual({ code: 0, output: `kv-0 ${ips[0]} 999 dir /data ${NS} eyJ\n` });
    expect(await readFile(env.kubelet!.logFile(NS, 'kv-0', 'redis'), 'utf8')).toContain('Ready to accept connections');
  });

  it('enforces required anti-affinity: a fourth replica finds no node', async () => {
    await apps.patchNamespacedStatefulSetScale({ name: 'kv', namespace: NS, body: [{ op: 'replace', path: '/spec/replicas', value: 4 }] }, jsonPatch);
    const reason = await waitFor('kv-3 unschedulable', async () => {
      const c = (await pod('kv-3')).status?.conditions?.find((x) => x.type === 'PodScheduled');
      return c?.status === 'False' ? c.reason : undefined;
    });
    expect(reason).toBe('Unschedulable');
    await apps.patchNamespacedStatefulSetScale({ name: 'kv', namespace: NS, body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] }, jsonPatch);
    await waitFor('kv-3 gone', async () => ((await core.listNamespacedPod({ namespace: NS })).items.length === 3 ? true : undefined));
  });

  it('re-creates a deleted pod with a new IP and the same volume, after running its preStop hook', async () => {
    const before = await pod('kv-1');
    const oldIP = before.status!.podIP!;
    await withRedis(oldIP, async (r) => {
      await r.set('survives', 'restart');
      await r.save();
    });
    await core.deleteNamespacedPod({ name: 'kv-1', namespace: NS });
    const after = await waitFor(
      'kv-1 re-created and ready',
      async () => {
        const p = await pod('kv-1').catch(() => undefined);
        return p && p.metadata!.uid !== before.metadata!.uid && isReady(p) ? p : undefined;
      },
      undefined,
      podSummary,
    );
    expect(after.status!.podIP).not.toBe(oldIP);
    expect(await withRedis(after.status!.podIP!, (r) => r.get('survives'))).toBe('restart');
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'data-kv-1', namespace: NS });
    const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    expect(await readFile(join(pv.spec!.hostPath!.path, 'prestop'), 'utf8')).toBe('kv-1 stopped\n');
    // Written by redis-server running as the securityContext's user.
    expect((await stat(join(pv.spec!.hostPath!.path, 'dump.rdb'))).uid).toBe(999);
  });

  it('binds a static NFS volume and serves it from the harness directory', async () => {
    await core.createPersistentVolume({
      body: {
        metadata: { name: 'nfs-selftest' },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          nfs: { server: 'nfs.example', path: '/exports/selftest' },
        },
      },
    });
    await core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: {
        metadata: { name: 'shared' },
        spec: { storageClassName: '', volumeName: 'nfs-selftest', accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'writer' },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'w', image: 'busybox', command: ['sh', '-c', 'echo "$(hostname)" > /data/hello'], volumeMounts: [{ name: 'shared', mountPath: '/data' }] }],
          volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: 'shared' } }],
        },
      },
    });
    const phase = await waitFor('writer finished', async () => {
      const p = (await pod('writer')).status?.phase;
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    });
    expect(phase).toBe('Succeeded');
    const file = join(env.kubelet!.nfsRoot, 'nfs.example/exports/selftest/hello');
    expect(await readFile(file, 'utf8')).toBe('writer\n');
  });

  it('simulates a node failure: its pods stop, and come back on new IPs when the node returns', async () => {
    const before = await pod('kv-2');
    const node = before.spec!.nodeName!;
    await env.kubelet!.stopNode(node);
    await expect(withRedis(before.status!.podIP!, (r) => r.ping())).rejects.toThrow();
    await env.kubelet!.startNode(node);
    const after = await waitFor(
      'kv-2 back on a new IP',
      async () => {
        const p = await pod('kv-2');
        return p.status?.podIP !== before.status!.podIP && isReady(p) ? p : undefined;
      },
      undefined,
      podSummary,
    );
    expect(after.metadata!.uid).toBe(before.metadata!.uid);
    expect(await withRedis(after.status!.podIP!, (r) => r.ping())).toBe('PONG');
  });

  it('restarts containers that exit or fail their liveness probe, counting restarts', async () => {
    const crashing = (name: string, spec: object) =>
      core.createNamespacedPod({
        namespace: NS,
        body: { metadata: { name }, spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 1, ...spec } as never },
      });
    await crashing('crashy', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] });
    await crashing('unhealthy', {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sleep', '300'],
          livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    });
    const restarted = async (name: string) =>
      waitFor(`${name} restarted twice`, async () => {
        const s = (await pod(name)).status?.containerStatuses?.[0];
        return s && s.restartCount >= 2 ? s : undefined;
      });
    const crashy = await restarted('crashy');
    expect(crashy.lastState?.terminated?.exitCode).toBe(3);
    const unhealthy = await restarted('unhealthy');
    expect(unhealthy.lastState?.terminated?.exitCode).toBe(143); // SIGTERM after the failed probe
  });

  it('listens on loopback only, then stops every process it started', async () => {
    const mine = await descendantPids();
    const listeners = (await tcpListeners()).filter((l) => mine.has(l.pid));
    const commands = new Set(listeners.map((l) => l.command));
    for (const c of ['etcd', 'kube-apiserver', 'redis-server']) expect(commands).toContain(c);
    expect(listeners.filter((l) => !isLoopback(l.address))).toEqual([]);

    await stopEnv();
    expect([...(await descendantPids())]).toEqual([]);
    const left = (await tcpListeners()).filter((l) => mine.has(l.pid));
    expect(left).toEqual([]);
  }, 120_000);
});

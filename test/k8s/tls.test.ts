/**
 * Issue 15 on Kubernetes: a RedisCluster with spec.tls serving the certificate of an
 * existing kubernetes.io/tls Secret (made here with the openssl CLI; its names are DNS
 * names only, as pods' IPs are not known in advance). The operator, the probes and the
 * preStop handover speak TLS; the seed's failover experiment holds; a renewed Secret reaches
 * every running member (the process kubelet refreshes Secret volumes in place, the operator
 * has members reload) with no restart, no client error and no lost write.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../src/manifests/crd.js';
import { connectNode } from '../../src/redis/connection.js';
import { type ConnectionProfile, clientOptions, passwordProfile, withTls } from '../../src/redis/profile.js';
import { servedCertificate } from '../../src/redis/served-certificate.js';
import { type ConsistencyReport, startConsistencyWorkload } from '../../src/workload/consistency.js';
import { ClusterView } from './cluster-view.js';
import { type Pem, makeCa, makeLeaf } from './test-certs.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-tls';
const NAME = 'tls';
const SECRET = `${NAME}-tls`;
const KEYS = 500;
const SERVER_NAME = `${NAME}.${NS}.svc`;
const DNS_NAMES = [SERVER_NAME, `${SERVER_NAME}.cluster.local`, `*.${NAME}-headless.${NS}.svc`, `*.${NAME}-headless.${NS}.svc.cluster.local`];

const dir = mkdtempSync(join(tmpdir(), 'rck-k8s-tls-'));
let tier: ClusterTier;
let ca: Awaited<ReturnType<typeof makeCa>>;
let first: Pem;
let profile: ConnectionProfile;
let v: ClusterView;

const secretBody = (leaf: Pem) => ({
  metadata: { name: SECRET, namespace: NS },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': leaf.cert.toString('base64'), 'tls.key': leaf.key.toString('base64'), 'ca.crt': ca.cert.toString('base64') },
});
const der = (pem: Buffer) => new X509Certificate(pem).raw;
const ipOf = (p: V1Pod) => p.status!.podIP!;

beforeAll(async () => {
  ca = await makeCa(dir, 'cluster');
  first = await makeLeaf(dir, 'first', ca, DNS_NAMES);
  tier = await ClusterTier.start(NS);
  const core = tier.env.kc.makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({ namespace: NS, body: secretBody(first) });
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('spec.tls on Kubernetes, from an existing Secret', { timeout: 300_000 }, () => {
  it("becomes Ready over TLS: 6 pods Ready (probe over TLS), each member TLS-only and serving the Secret's certificate; a plaintext client and a certificate of another CA are refused (2 refusals)", async () => {
    tier.startOperator();
    await tier.createCluster(NAME, { tls: { enabled: true }, kubernetes: { terminationGracePeriodSeconds: 10 } });
    const password = await waitFor('the password Secret', () => new ClusterView(tier.env.kc, NS, NAME).password().catch(() => undefined), 60_000);
    profile = withTls(passwordProfile(password), { ca: ca.cert, cert: first.cert, key: first.key, serverName: SERVER_NAME });
    v = new ClusterView(tier.env.kc, NS, NAME, clientOptions(profile));
    const diagnose = () => v.diagnose(tier.operator?.log);
    await tier.waitReady(v);
    const pods = await waitFor(
      '6 pods Ready',
      async () => {
        const ps = await v.pods();
        return ps.length === 6 && ps.every((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') ? ps : undefined;
      },
      60_000,
      diagnose,
    );
    expect(pods).toHaveLength(6);
    for (const p of pods) {
      const conf = await v.onNode(ipOf(p), async (r) => (await r.call('CONFIG', 'GET', 'port', 'tls-port', 'tls-replication', 'tls-cluster', 'tls-auth-clients')) as string[]);
      const got = Object.fromEntries(conf.flatMap((x, i) => (i % 2 === 0 ? [[x, conf[i + 1]]] : [])));
      expect(got, p.metadata!.name).toEqual({ port: '0', 'tls-port': '6379', 'tls-replication': 'yes', 'tls-cluster': 'yes', 'tls-auth-clients': 'yes' });
      expect((await servedCertificate({ host: ipOf(p), port: 6379 }, profile)).equals(der(first.cert)), p.metadata!.name).toBe(true);
    }
    // At tls-0, which the next test deletes: the refusals' warnings leave with it.
    const addr = { host: ipOf(pods.find((p) => p.metadata!.name === `${NAME}-0`)!), port: 6379 };
    await expect(connectNode(addr, { profile: passwordProfile(password), timeoutMs: 1000 })).rejects.toThrow(/ECONNRESET|closed|TLS/);
    const other = await makeCa(dir, 'other');
    const foreign = await makeLeaf(dir, 'foreign', other, DNS_NAMES);
    await expect(
      connectNode(addr, { profile: withTls(passwordProfile(password), { ca: ca.cert, cert: foreign.cert, key: foreign.key, serverName: SERVER_NAME }), timeoutMs: 1000 }),
    ).rejects.toThrow(/TLS|ECONNRESET|certificate/);
    const ok = await connectNode(addr, { profile, timeoutMs: 1000 });
    expect(await ok.ping()).toBe('PONG');
    ok.disconnect();
  });

  it('the master pod deleted under the consistency workload: preStop hands over over TLS, the pod is back as a replica on a new IP, 0 acknowledged writes and 0 of 500 keys lost', async () => {
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const diagnose = () => v.diagnose(tier.operator?.log);
    const pod = (name: string) => core.readNamespacedPod({ name, namespace: NS });
    const victim = await pod(`${NAME}-0`);
    const ip0 = ipOf(victim);
    expect(await v.onNode(ip0, async (r) => ((await r.call('ROLE')) as string[])[0])).toBe('master');
    const keys = Array.from({ length: KEYS }, (_, i) => `tls-key-${i}`);
    const c = new Cluster([{ host: ip0, port: 6379 }], { redisOptions: clientOptions(profile) });
    try {
      await Promise.all(keys.map((k) => c.set(k, `value-${k}`)));
    } finally {
      c.disconnect();
    }
    const pods = await v.pods();
    const workload = startConsistencyWorkload({ nodes: pods.map((p) => ({ host: ipOf(p), port: 6379 })), profile, keys: 300, workers: 4 });
    let report: ConsistencyReport | undefined;
    try {
      await new Promise((r) => setTimeout(r, 500));
      await core.deleteNamespacedPod({ name: `${NAME}-0`, namespace: NS });
      const back = await waitFor(
        `${NAME}-0 re-created and a replica`,
        async () => {
          const p = await pod(`${NAME}-0`).catch(() => undefined);
          if (!p || p.metadata!.uid === victim.metadata!.uid || !p.status?.podIP) return undefined;
          return (await v.onNode(p.status.podIP, async (r) => ((await r.call('ROLE')) as string[])[0]).catch(() => '')) === 'slave' ? p : undefined;
        },
        120_000,
        diagnose,
      );
      expect(ipOf(back)).not.toBe(ip0);
      // preStop handed over (redis-cli --tls): the operator promoted nobody.
      expect(tier.operator!.log.join('\n')).not.toMatch(/promot/i);
      await waitFor('Ready again', async () => (ClusterView.isReady(await v.status()) ? true : undefined), 120_000, diagnose);
      report = await workload.stop();
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }
    console.error(`[k8s tls] delete master pod: ${report.writes} writes, ${report.lostWrites} lost, longest write outage ${report.longestWriteOutageMs} ms`);
    expect(report.writes).toBeGreaterThan(0);
    expect(report.lostWrites).toBe(0);
    expect(report.unreadableKeys).toBe(0);
    const c2 = new Cluster([{ host: ipOf(await pod(`${NAME}-3`)), port: 6379 }], { redisOptions: clientOptions(profile) });
    try {
      const values = await Promise.all(keys.map((k) => c2.get(k)));
      expect(values.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
    } finally {
      c2.disconnect();
    }
  });

  it('a renewed Secret under the consistency workload: all 6 members serve the new certificate (6 CertificateRenewed events), no pod restarted or re-created, 0 errors, 0 lost writes', async () => {
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const diagnose = () => v.diagnose(tier.operator?.log);
    await waitFor('Ready', async () => (ClusterView.isReady(await v.status()) ? true : undefined), 60_000, diagnose);
    const podsBefore = await v.pods();
    expect(podsBefore).toHaveLength(6);
    const identity = (ps: V1Pod[]) =>
      ps
        .map((p) => [
          p.metadata!.name,
          p.metadata!.uid,
          String(p.status!.startTime),
          p.status!.containerStatuses?.[0]?.restartCount,
          String(p.status!.containerStatuses?.[0]?.state?.running?.startedAt),
        ])
        .sort();
    const eventsBefore = new Set((await v.events()).map((e) => e.metadata!.uid));
    const second = await makeLeaf(dir, 'second', ca, DNS_NAMES);
    const workload = startConsistencyWorkload({ nodes: podsBefore.map((p) => ({ host: ipOf(p), port: 6379 })), profile, keys: 200, workers: 4 });
    let report: ConsistencyReport | undefined;
    try {
      await new Promise((r) => setTimeout(r, 300));
      await core.replaceNamespacedSecret({ name: SECRET, namespace: NS, body: secretBody(second) });
      await waitFor(
        'every member serves the new certificate',
        async () => {
          const served = await Promise.all(podsBefore.map((p) => servedCertificate({ host: ipOf(p), port: 6379 }, profile).catch(() => Buffer.alloc(0))));
          return served.every((s) => s.equals(der(second.cert))) ? true : undefined;
        },
        120_000,
        diagnose,
      );
      await new Promise((r) => setTimeout(r, 300));
      report = await workload.stop();
    } finally {
      if (!report) await workload.stop().catch(() => undefined);
    }
    console.error(`[k8s tls] renewed Secret: ${report.writes} writes, ${report.readErrors + report.writeErrors} errors, ${report.lostWrites} lost`);
    expect(report.writes).toBeGreaterThan(0);
    expect(report.readErrors + report.writeErrors).toBe(0);
    expect(report.lostWrites).toBe(0);
    expect(report.unreadableKeys).toBe(0);
    const renewed = await waitFor(
      '6 CertificateRenewed events',
      async () => {
        const es = (await v.events()).filter((e) => !eventsBefore.has(e.metadata!.uid) && e.reason === 'CertificateRenewed');
        return es.length >= 6 ? es : undefined;
      },
      30_000,
      diagnose,
    );
    expect(renewed.map((e) => e.message?.split(':')[0]).sort()).toEqual(podsBefore.map((p) => p.metadata!.name).sort());
    expect(identity(await v.pods())).toEqual(identity(podsBefore));
    // The operator's own connections use the new certificate too (it rebuilt its profile), and still work.
    expect(tier.operator!.log.join('\n')).toMatch(/Secret tls-tls changed: new client certificate/);
    expect(ClusterView.isReady(await v.status())).toBe(true);
    // Nothing reset a TLS connection in the handshake (a TCP liveness probe, a certificate
    // check closed abruptly): Redis logs a warning for each.
    const warnings = await Promise.all(
      podsBefore.map(
        async (p) =>
          (await readFile(tier.env.kubelet!.logFile(NS, p.metadata!.name!, 'redis'), 'utf8')).split('\n').filter((l) => l.includes('Error accepting a client connection')).length,
      ),
    );
    expect(warnings).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('turning TLS off under the running cluster is refused (phase Invalid, one line naming spec.tls.enabled); the StatefulSet keeps TLS and no pod restarts', async () => {
    const diagnose = () => v.diagnose(tier.operator?.log);
    const podsBefore = await v.pods();
    const identity = (ps: V1Pod[]) => ps.map((p) => [p.metadata!.name, p.metadata!.uid, p.status!.containerStatuses?.[0]?.restartCount]).sort();
    const o = (await tier.env.kc
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME, body: { spec: { tls: { enabled: false } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as { metadata: { generation: number } };
    const status = await waitFor(
      'phase Invalid for the new generation',
      async () => {
        const s = await v.status();
        return s?.phase === 'Invalid' && s.observedGeneration === o.metadata.generation ? s : undefined;
      },
      60_000,
      diagnose,
    );
    expect(status.conditions.find((c) => c.type === 'Ready')?.message).toMatch(/^spec\.tls\.enabled: cannot turn TLS off for an existing cluster/);
    const sts = await tier.env.kc.makeApiClient(AppsV1Api).readNamespacedStatefulSet({ name: NAME, namespace: NS });
    expect(sts.spec!.template.spec!.volumes!.map((x) => x.name)).toContain('tls');
    expect(identity(await v.pods())).toEqual(identity(podsBefore));
  });
});

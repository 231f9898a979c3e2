/**
 * spec.kubernetes.tls.certManager on the test control plane, with cert-manager's own CRDs
 * (v1.16.2, from its Go module through the Go module proxy: testenv/cert-manager/crds.sh).
 * The rendered Issuers and Certificates are accepted by the API server as cert-manager's
 * schemas define them. Nobody runs cert-manager's controller here, so the test writes the
 * Secret cert-manager would write, for the Certificate the operator applied; the cluster
 * then becomes Ready over TLS with that certificate.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderCluster } from '../../src/manifests/render.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import { clientOptions, passwordProfile, withTls } from '../../src/redis/profile.js';
import { servedCertificate } from '../../src/redis/served-certificate.js';
import { validateSpec } from '../../src/spec/load.js';
import { ClusterView } from './cluster-view.js';
import { missingPaths } from './dropped-fields.js';
import { makeCa, makeLeaf } from './test-certs.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-certmanager';
const NAME = 'cm';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'rck-k8s-cm-'));
let tier: ClusterTier;
let crdNames: string[] = [];

/** cert-manager's CRD files are Helm templates: only their labels hold template text. */
async function certManagerCrds(): Promise<KubernetesObject[]> {
  const crdDir = (await promisify(execFile)(join(repoRoot, 'testenv/cert-manager/crds.sh'), { timeout: 600_000 })).stdout.trim();
  const out: KubernetesObject[] = [];
  for (const f of (await readdir(crdDir)).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(crdDir, f), 'utf8'))) {
      const o = doc.toJS() as KubernetesObject | null;
      if (!o) continue;
      o.metadata = { name: o.metadata!.name, labels: { 'app.kubernetes.io/name': 'cert-manager' } };
      out.push(o);
    }
  }
  return out;
}

beforeAll(async () => {
  tier = await ClusterTier.start(NS);
  const applier = new Applier(tier.env.kc);
  const crds = await certManagerCrds();
  crdNames = crds.map((c) => c.metadata!.name!);
  for (const c of crds) await applier.apply(c);
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe('spec.kubernetes.tls.certManager', { timeout: 300_000 }, () => {
  it("cert-manager's 6 CRDs install and are Established", async () => {
    expect(crdNames.sort()).toEqual(
      ['certificaterequests', 'certificates', 'challenges', 'clusterissuers', 'issuers', 'orders']
        .map((p) => `${p}.${/challenges|orders/.test(p) ? 'acme.' : ''}cert-manager.io`)
        .sort(),
    );
    const ext = tier.env.kc.makeApiClient(ApiextensionsV1Api);
    for (const name of crdNames) {
      await waitFor(`${name} Established`, async () => {
        const crd = await ext.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      });
    }
  });

  it("rck render: its own CA (3 objects: self-signed Issuer, CA Certificate, CA Issuer) and the members' Certificate, or 1 Certificate for a given issuerRef; all accepted by the API server (server-side apply, dryRun=All) with nothing dropped", async () => {
    const applier = new Applier(tier.env.kc);
    const variants = {
      own: { tls: { enabled: true }, kubernetes: { tls: { certManager: {} } } },
      issuer: {
        tls: { enabled: true },
        kubernetes: { tls: { secretName: 'shop-redis-tls', certManager: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' }, duration: '720h', renewBefore: '240h' } } },
      },
    };
    const kinds: Record<string, string[]> = {};
    for (const [name, spec] of Object.entries(variants)) {
      const objs = renderCluster(validateSpec({ metadata: { name: 'shop', namespace: NS }, spec }), { password: 'not-a-real-password' }).filter(
        (o) => o.apiVersion === 'cert-manager.io/v1',
      );
      kinds[name] = objs.map((o) => `${o.kind}/${o.metadata!.name}`);
      // Retried while discovery lags right after the CRDs became Established.
      const applied = await waitFor(`${name}: dry-run apply`, () => applier.applyAll(objs, { dryRun: 'All' }), 30_000);
      expect(objs.flatMap((o, i) => missingPaths(o, applied[i], `${name}:${o.kind}`))).toEqual([]);
    }
    expect(kinds).toEqual({
      own: ['Issuer/shop-selfsigned', 'Certificate/shop-ca', 'Issuer/shop-ca', 'Certificate/shop-tls'],
      issuer: ['Certificate/shop-redis-tls'],
    });
    const members = renderCluster(validateSpec({ metadata: { name: 'shop', namespace: NS }, spec: variants.issuer }), { password: 'x' }).find(
      (o) => o.kind === 'Certificate',
    ) as unknown as {
      spec: Record<string, unknown>;
    };
    expect(members.spec).toMatchObject({
      secretName: 'shop-redis-tls',
      issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      dnsNames: [`shop.${NS}.svc`, `shop.${NS}.svc.cluster.local`, `*.shop-headless.${NS}.svc`, `*.shop-headless.${NS}.svc.cluster.local`],
      usages: ['server auth', 'client auth', 'digital signature'],
    });
  });

  it("the operator applies the members' Certificate; with the Secret cert-manager would write for it, the cluster becomes Ready and all 6 members serve that certificate", async () => {
    const custom = tier.env.kc.makeApiClient(CustomObjectsApi);
    const v0 = new ClusterView(tier.env.kc, NS, NAME);
    tier.startOperator();
    await tier.createCluster(NAME, { tls: { enabled: true }, kubernetes: { tls: { certManager: {} }, terminationGracePeriodSeconds: 10 } });
    const diagnose = () => v0.diagnose(tier.operator?.log);
    const cert = (await waitFor(
      'the Certificate cm-tls',
      () => custom.getNamespacedCustomObject({ group: 'cert-manager.io', version: 'v1', namespace: NS, plural: 'certificates', name: `${NAME}-tls` }),
      60_000,
      diagnose,
    )) as { spec: { secretName: string; dnsNames: string[]; issuerRef: { name: string } } };
    expect(cert.spec.issuerRef.name).toBe(`${NAME}-ca`);
    // Waiting for the Secret: not Ready, the reason says so.
    const waiting = await waitFor('status TLSSecretNotReady', async () => (await v0.status())?.conditions.find((c) => c.reason === 'TLSSecretNotReady'), 60_000, diagnose);
    expect(waiting.message).toMatch(new RegExp(`Secret ${NS}/${NAME}-tls not found`));
    // Standing in for cert-manager's CA issuer: a CA, and a certificate for the Certificate's names.
    const ca = await makeCa(dir, 'cm');
    const leaf = await makeLeaf(dir, 'cm-members', ca, cert.spec.dnsNames);
    await tier.env.kc.makeApiClient(CoreV1Api).createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: cert.spec.secretName, annotations: { 'cert-manager.io/certificate-name': `${NAME}-tls` } },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': leaf.cert.toString('base64'), 'tls.key': leaf.key.toString('base64'), 'ca.crt': ca.cert.toString('base64') },
      },
    });
    const password = await v0.password();
    const profile = withTls(passwordProfile(password), { ca: ca.cert, cert: leaf.cert, key: leaf.key, serverName: `${NAME}.${NS}.svc` });
    const v = new ClusterView(tier.env.kc, NS, NAME, clientOptions(profile));
    await waitFor(
      'RedisCluster Ready',
      async () => (ClusterView.isReady(await v.status()) ? true : undefined),
      240_000,
      () => v.diagnose(tier.operator?.log),
    );
    const pods = await v.pods();
    expect(pods).toHaveLength(6);
    const served = await Promise.all(pods.map((p) => servedCertificate({ host: p.status!.podIP!, port: 6379 }, profile)));
    expect(served.filter((s) => s.equals(new X509Certificate(leaf.cert).raw))).toHaveLength(6);
  });
});

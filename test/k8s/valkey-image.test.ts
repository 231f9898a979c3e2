/**
 * Issue 17 on Kubernetes: the seed's procedure on a Valkey image. The RedisCluster names
 * `valkey/valkey:8.0.1`; the process kubelet maps that image to Valkey 8.0.1 built from
 * ../shared/engines, in a PATH that holds valkey-server and valkey-cli but no redis-* (as
 * the official valkey image), plus the tools the pod scripts call. The operator creates the
 * cluster (every member reports valkey_version 8.0.1), then the master pod is deleted
 * under the consistency workload: preStop hands over, the pod comes back on a new IP as a
 * replica, Ready again, no acknowledged write lost and every key reads back.
 */
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordProfile } from '../../src/redis/profile.js';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import { builtEngineBinary } from '../support/engine.js';
import { ClusterView } from './cluster-view.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-valkey';
const NAME = 'vk';
const KEYS = 500;

/**
 * The image's own PATH: Valkey's server and CLI under their own names (copied: the members
 * run as uid 999, which cannot enter the build cache in root's home), and the scripts' tools.
 */
const imageBin = mkdtempSync(join(tmpdir(), 'rck-valkey-image-'));
chmodSync(imageBin, 0o755);
copyFileSync(builtEngineBinary('valkey-8.0.1', 'server'), join(imageBin, 'valkey-server'));
copyFileSync(builtEngineBinary('valkey-8.0.1', 'cli'), join(imageBin, 'valkey-cli'));
for (const tool of ['sh', 'cat', 'date', 'grep', 'head', 'rm', 'sed', 'sleep', 'tr']) symlinkSync(`/usr/bin/${tool}`, join(imageBin, tool));

let tier: ClusterTier;

beforeAll(async () => {
  tier = await ClusterTier.start(NS, { images: [{ image: /^valkey\/valkey:/, entrypoint: ['valkey-server'], env: [`PATH=${imageBin}`] }] });
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
  rmSync(imageBin, { recursive: true, force: true });
}, 180_000);

describe('the seed on a Valkey image (valkey/valkey:8.0.1)', { timeout: 300_000 }, () => {
  it('Ready with every member on Valkey 8.0.1; the master pod deleted: handed over, back as a replica on a new IP, 0 acknowledged writes and 0 of 500 keys lost', async () => {
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    tier.startOperator();
    await tier.createCluster(NAME, { kubernetes: { image: 'valkey/valkey:8.0.1', terminationGracePeriodSeconds: 10 } });
    await tier.waitReady(v);
    const password = await v.password();
    const pod = (name: string) => core.readNamespacedPod({ name, namespace: NS });
    const node = (ip: string) => new Redis({ host: ip, port: 6379, password, lazyConnect: true, maxRetriesPerRequest: 1 });
    const ask = async <T>(ip: string, f: (r: Redis) => Promise<T>): Promise<T> => {
      const r = node(ip);
      try {
        return await f(r);
      } finally {
        r.disconnect();
      }
    };
    const pods = (await v.pods()) as V1Pod[];
    expect(pods).toHaveLength(6);
    for (const p of pods) expect(await ask(p.status!.podIP!, (r) => r.info('server'))).toMatch(/^valkey_version:8\.0\.1\r?$/m);

    const ip0 = (await pod(`${NAME}-0`)).status!.podIP!;
    expect(await ask(ip0, async (r) => ((await r.call('ROLE')) as string[])[0])).toBe('master');
    const keys = Array.from({ length: KEYS }, (_, i) => `vk-key-${i}`);
    const c = new Cluster([{ host: ip0, port: 6379 }], { redisOptions: { password } });
    try {
      await Promise.all(keys.map((k) => c.set(k, `value-${k}`)));
    } finally {
      c.disconnect();
    }
    const victim = await pod(`${NAME}-0`);
    const workload = startConsistencyWorkload({ nodes: pods.map((p) => ({ host: p.status!.podIP!, port: 6379 })), profile: passwordProfile(password), keys: 300, workers: 4 });
    let lost: number | undefined;
    try {
      await new Promise((r) => setTimeout(r, 500));
      await core.deleteNamespacedPod({ name: `${NAME}-0`, namespace: NS });
      const back = await waitFor(
        `${NAME}-0 re-created and a replica`,
        async () => {
          const p = await pod(`${NAME}-0`).catch(() => undefined);
          if (!p || p.metadata!.uid === victim.metadata!.uid || !p.status?.podIP) return undefined;
          return (await ask(p.status.podIP, async (r) => ((await r.call('ROLE')) as string[])[0]).catch(() => '')) === 'slave' ? p : undefined;
        },
        120_000,
        diagnose,
      );
      expect(back.status!.podIP).not.toBe(ip0);
      // preStop handed over (with valkey-cli): the operator promoted nobody.
      expect(tier.operator!.log.join('\n')).not.toMatch(/promot/i);
      await waitFor('Ready again', async () => (ClusterView.isReady(await v.status()) ? true : undefined), 120_000, diagnose);
      const report = await workload.stop();
      lost = report.lostWrites;
      console.error(`[k8s valkey] delete master pod: ${report.writes} writes, ${report.lostWrites} lost, longest write outage ${report.longestWriteOutageMs} ms`);
      expect(report.writes).toBeGreaterThan(0);
      expect(report.lostWrites).toBe(0);
      expect(report.unreadableKeys).toBe(0);
    } finally {
      if (lost === undefined) await workload.stop().catch(() => undefined);
    }
    const ipNow = (await pod(`${NAME}-3`)).status!.podIP!;
    const c2 = new Cluster([{ host: ipNow, port: 6379 }], { redisOptions: { password } });
    try {
      const values = await Promise.all(keys.map((k) => c2.get(k)));
      expect(values.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
    } finally {
      c2.disconnect();
    }
  });
});

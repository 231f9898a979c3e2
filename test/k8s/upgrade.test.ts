/**
 * Issue 16, item 5: engine upgrades on Kubernetes. A RedisCluster on `redis:7.0` (this
 * machine's Redis 7.0) is Ready with 500 keys; under the consistency workload its image is
 * changed to `redis:7.2.6`, which the process kubelet maps to Redis 7.2.6 built from
 * ../shared/engines. rck rolls the members itself (the StatefulSet is OnDelete): replicas
 * first, then each master hands its role to an upgraded, in-sync replica before its pod is
 * deleted. At no sample is more than one member pod away; 0 acknowledged writes are lost.
 * Then a "new rck version" (another rendering of the pod template and scripts, applied under
 * rck's field manager) is adopted with no pod restarted.
 */
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../src/manifests/crd.js';
import { Applier } from '../../src/platform/kubernetes/apply.js';
import { outdated } from '../../src/platform/kubernetes/member-source.js';
import { passwordProfile } from '../../src/redis/profile.js';
import { startConsistencyWorkload } from '../../src/workload/consistency.js';
import { builtEngineBinary } from '../support/engine.js';
import { ClusterView } from './cluster-view.js';
import { waitFor } from './wait.js';
import { ClusterTier } from './cluster-tier.js';

const NS = 'rck-upgrade';
const NAME = 'up';
const KEYS = 500;
const MEMBERS = 6;
const NEW_IMAGE = 'redis:7.2.6';

/** The 7.2.6 image's PATH: its redis-server and redis-cli (copied: members run as uid 999), and the scripts' tools. */
const imageBin = mkdtempSync(join(tmpdir(), 'rck-redis72-image-'));
chmodSync(imageBin, 0o755);
copyFileSync(builtEngineBinary('redis-7.2.6', 'server'), join(imageBin, 'redis-server'));
copyFileSync(builtEngineBinary('redis-7.2.6', 'cli'), join(imageBin, 'redis-cli'));
for (const tool of ['sh', 'cat', 'date', 'grep', 'head', 'rm', 'sed', 'sleep', 'tr']) symlinkSync(`/usr/bin/${tool}`, join(imageBin, tool));

let tier: ClusterTier;

beforeAll(async () => {
  tier = await ClusterTier.start(NS, { images: [{ image: /^redis:7\.2\.6$/, entrypoint: ['redis-server'], env: [`PATH=${imageBin}`] }] });
}, 60 * 60_000);

afterAll(async () => {
  await tier?.stop();
  rmSync(imageBin, { recursive: true, force: true });
}, 180_000);

const versionOf = (v: ClusterView, ip: string) => v.onNode(ip, async (r) => /^redis_version:(\S+)/m.exec(await r.info('server'))?.[1]);
const live = (ps: V1Pod[]) => ps.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && p.status.podIP);

describe('an engine upgrade, Redis 7.0 -> 7.2.6', { timeout: 600_000 }, () => {
  it('rolls every member with handover (3 replicas first, 3 masters after a planned failover), never two pods away, 0 writes and 0 of 500 keys lost', async () => {
    const custom = tier.env.kc.makeApiClient(CustomObjectsApi);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    tier.startOperator();
    await tier.createCluster(NAME, { kubernetes: { terminationGracePeriodSeconds: 10 } });
    await tier.waitReady(v);
    const before = live(await v.pods());
    expect(before).toHaveLength(MEMBERS);
    for (const p of before) expect(await versionOf(v, p.status!.podIP!)).toMatch(/^7\.0\./);
    const password = await v.password();
    const keys = Array.from({ length: KEYS }, (_, i) => `up-key-${i}`);
    const c = new Cluster([{ host: before[0]!.status!.podIP!, port: 6379 }], { redisOptions: { password } });
    try {
      await Promise.all(keys.map((k) => c.set(k, `value-${k}`)));
    } finally {
      c.disconnect();
    }

    const workload = startConsistencyWorkload({ nodes: before.map((p) => ({ host: p.status!.podIP!, port: 6379 })), profile: passwordProfile(password), keys: 300, workers: 4 });
    let stopped = false;
    let mostAway = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const away = MEMBERS - live(await v.pods()).length;
        mostAway = Math.max(mostAway, away);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await custom.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: NAME, body: { spec: { kubernetes: { image: NEW_IMAGE } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await waitFor(
        `every member on ${NEW_IMAGE}, Ready`,
        async () => {
          const ps = live(await v.pods());
          if (ps.length !== MEMBERS || ps.some((p) => p.spec?.containers[0]?.image !== NEW_IMAGE)) return undefined;
          const versions = await Promise.all(ps.map((p) => versionOf(v, p.status!.podIP!).catch(() => undefined)));
          return versions.every((x) => x === '7.2.6') && ClusterView.isReady(await v.status()) ? true : undefined;
        },
        480_000,
        diagnose,
      );
      sampling = false;
      await sampler;
      const report = await workload.stop();
      stopped = true;
      console.error(
        `[k8s upgrade] ${report.writes} writes, ${report.lostWrites} lost, longest write outage ${report.longestWriteOutageMs} ms, most pods away at once: ${mostAway}`,
      );
      expect(report.writes).toBeGreaterThan(0);
      expect(report.lostWrites).toBe(0);
      expect(report.unreadableKeys).toBe(0);
    } finally {
      sampling = false;
      await sampler.catch(() => undefined);
      if (!stopped) await workload.stop().catch(() => undefined);
    }
    expect(mostAway).toBe(1);

    const after = live(await v.pods());
    expect(after.map((p) => p.metadata!.uid).filter((uid) => before.some((b) => b.metadata!.uid === uid))).toEqual([]);
    const events = await v.events();
    const reasons = events.flatMap((e) => Array<string>(e.count ?? 1).fill(e.reason ?? ''));
    expect(reasons.filter((r) => r === 'RestartMember')).toHaveLength(MEMBERS);
    expect(reasons.filter((r) => r === 'PlannedFailover')).toHaveLength(3);
    // Never a master restarted as one: every restart was a replica's.
    const restarts = events.filter((e) => e.reason === 'RestartMember').map((e) => e.message ?? '');
    expect(restarts.filter((m) => !/^up-\d: replica first: /.test(m))).toEqual([]);
    expect(tier.operator!.log.join('\n')).not.toMatch(/promot/i);

    const c2 = new Cluster([{ host: after[0]!.status!.podIP!, port: 6379 }], { redisOptions: { password } });
    try {
      const values = await Promise.all(keys.map((k) => c2.get(k)));
      expect(values.filter((x, i) => x !== `value-${keys[i]}`)).toEqual([]);
    } finally {
      c2.disconnect();
    }
  });

  it('a new rck version (another pod template and scripts) adopts the running cluster: no pod restarted', async () => {
    const core = tier.env.kc.makeApiClient(CoreV1Api);
    const apps = tier.env.kc.makeApiClient(AppsV1Api);
    const v = new ClusterView(tier.env.kc, NS, NAME);
    const diagnose = () => v.diagnose(tier.operator?.log);
    await tier.stopOperator();
    // What an older rck left: its own template annotation and scripts, applied under rck's field manager.
    const applier = new Applier(tier.env.kc);
    const sts = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
    const cm = await core.readNamespacedConfigMap({ name: `${NAME}-config`, namespace: NS });
    const strip = { managedFields: undefined, resourceVersion: undefined, uid: undefined, creationTimestamp: undefined, generation: undefined };
    await applier.apply({ ...cm, metadata: { ...cm.metadata, ...strip }, data: { ...cm.data, 'start.sh': `${cm.data!['start.sh']}\n# rendered by an older rck\n` } });
    const tpl = sts.spec!.template;
    await applier.apply({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { ...sts.metadata, ...strip },
      spec: { ...sts.spec!, template: { ...tpl, metadata: { ...tpl.metadata, annotations: { ...tpl.metadata?.annotations, 'rck.dev/rendered-by': 'rck-0.0.1' } } } },
      status: undefined,
    });
    // The StatefulSet controller names the older rendering's revision (status lags the spec).
    const oldRevision = await waitFor(
      "the older rendering's revision",
      async () => {
        const s = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
        return s.status?.updateRevision !== sts.status?.updateRevision && s.status?.observedGeneration === s.metadata?.generation ? s.status?.updateRevision : undefined;
      },
      30_000,
      diagnose,
    );
    const podsBefore = live(await v.pods());

    tier.startOperator();
    // The new operator re-applies its own template: a new revision of the StatefulSet.
    const applied = await waitFor(
      'the new operator applied its template',
      async () => {
        const s = await apps.readNamespacedStatefulSet({ name: NAME, namespace: NS });
        // Processed by the StatefulSet controller too (a RollingUpdate would have deleted its first pod by then).
        const processed = s.status?.observedGeneration === s.metadata?.generation;
        return s.spec?.template.metadata?.annotations?.['rck.dev/rendered-by'] === undefined && s.status?.updateRevision !== oldRevision && processed ? s : undefined;
      },
      60_000,
      diagnose,
    );
    await waitFor('Ready under the new operator', async () => (ClusterView.isReady(await v.status()) ? true : undefined), 60_000, diagnose);
    const podsAfter = live(await v.pods());
    // Nothing to roll: no pod differs from the template in what needs a restart (the controller's only trigger).
    expect(podsAfter.map((p) => outdated(p, applied.spec!.template)).filter(Boolean)).toEqual([]);
    expect(podsAfter.map((p) => `${p.metadata!.name} ${p.metadata!.uid}`).sort()).toEqual(podsBefore.map((p) => `${p.metadata!.name} ${p.metadata!.uid}`).sort());
    expect(podsAfter.flatMap((p) => p.status?.containerStatuses?.map((s) => s.restartCount) ?? [])).toEqual(Array(MEMBERS).fill(0));
  });
});

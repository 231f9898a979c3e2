/**
 * /metrics of a running local cluster (issue 18): the supervisor serves Prometheus text at
 * the `http` address `rck status --json` gives; it parses with a Prometheus text-format
 * parser, says 16384 slots are served with one rck_member_up per member, and a scrape sends
 * no command to any node. After `rck kill` of a master, one failover and the crash
 * responder's action are counted, and the cluster is ready again with every member up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClusterHarness, type StatusJson } from '../support/local-cluster.js';
import { PromText } from '../support/prom-text.js';

const L = { namespace: '', cluster: 'redis-app' };

describe('local /metrics (rck up, scrape, rck kill)', () => {
  let h: LocalClusterHarness;
  let url: string;
  beforeAll(async () => {
    h = await LocalClusterHarness.create();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  const scrape = async (): Promise<PromText> => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return new PromText(await res.text());
  };
  /** Polls /metrics until `pred` holds; fails with the last text's cluster series at the deadline. */
  const scrapeUntil = async (what: string, pred: (p: PromText) => boolean, timeoutMs = 45_000): Promise<PromText> => {
    const deadline = Date.now() + timeoutMs;
    let last: PromText | undefined;
    while (Date.now() < deadline) {
      last = await scrape();
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `timed out waiting for ${what}: ${JSON.stringify([...(last?.families.values() ?? [])].filter((f) => f.name.startsWith('rck_cluster')).map((f) => [f.name, f.metrics.map((m) => m.value)]))}`,
    );
  };
  const ready = (p: PromText) => p.samples('rck_cluster_ready', L)[0]?.value === '1';

  it('serves the cluster at the status http address: 16384 slots, one rck_member_up per member, keys and memory per member', async () => {
    const s = (await h.upReady()) as StatusJson & { http?: string };
    expect(s.http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    url = s.http!;
    const human = await h.ok(['status', '--name', h.name]);
    expect(human.stdout).toContain(`http: ${url}`);

    const client = await h.client(s);
    for (let i = 0; i < 300; i++) await client.set(`metrics:${i}`, 'v');
    client.disconnect();

    // Keys come from the idle probe (every second) or the next pass.
    const p = await scrapeUntil('ready with 300 keys', (x) => ready(x) && x.samples('rck_member_keys', L).reduce((n, m) => n + Number(m.value), 0) >= 600);
    expect(p.value('rck_cluster_slots_served', L)).toBe(16384);
    expect(p.value('rck_cluster_slots_open', L)).toBe(0);
    expect(p.value('rck_cluster_members', L)).toBe(6);
    expect(p.value('rck_cluster_members_up', L)).toBe(6);
    expect(p.value('rck_cluster_masters', L)).toBe(3);
    expect(p.value('rck_cluster_data_loss', L)).toBe(0);
    const up = p.samples('rck_member_up', L);
    expect(up.map((m) => m.labels.member).sort()).toEqual(s.members.map((m) => m.name).sort());
    expect(up.every((m) => m.value === '1')).toBe(true);
    // Masters and replicas each hold all 300 keys between them.
    const keysOf = (role: 'master' | 'replica') => s.members.filter((m) => m.role === role).reduce((n, m) => n + p.value('rck_member_keys', { ...L, member: m.name }), 0);
    expect(keysOf('master')).toBe(300);
    expect(keysOf('replica')).toBe(300);
    for (const m of s.members) {
      expect(p.value('rck_member_is_master', { ...L, member: m.name })).toBe(m.role === 'master' ? 1 : 0);
      expect(p.value('rck_member_used_memory_bytes', { ...L, member: m.name })).toBeGreaterThan(0);
      expect(p.value('rck_member_connected_clients', { ...L, member: m.name })).toBeGreaterThan(0);
    }
    expect(p.samples('rck_master_replicas_in_sync', L).map((m) => m.value)).toEqual(['1', '1', '1']);
    expect(p.samples('rck_member_replication_lag_bytes', L)).toHaveLength(3);
  });

  it('a scrape sends no command to the nodes', async () => {
    const s = await h.status();
    const victim = s.members[0]!.name;
    const infoCalls = async () => Number(/cmdstat_info:calls=(\d+)/.exec(await h.redisCli(s, victim, 'INFO', 'commandstats'))![1]);
    // A full pass (INFO) may land between the two counts: then the observed time moves and we try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const at = (await scrape()).value('rck_cluster_observed_timestamp_seconds', L);
      const before = await infoCalls();
      for (let i = 0; i < 20; i++) await scrape();
      const after = await infoCalls();
      if ((await scrape()).value('rck_cluster_observed_timestamp_seconds', L) !== at) continue;
      expect(after - before).toBe(1); // the first INFO commandstats itself
      return;
    }
    throw new Error('a full pass ran during each of 5 attempts');
  });

  it('rck kill of a master: one failover and the crash responder counted, ready again with every member up', async () => {
    const s = await h.status();
    const master = s.members.find((m) => m.role === 'master')!;
    await h.ok(['kill', master.name, '--name', h.name]);
    const p = await scrapeUntil(
      'the failover counted and ready again',
      (x) => ready(x) && x.samples('rck_failovers_total', L)[0]?.value === '1' && x.samples('rck_member_up', L).every((m) => m.value === '1'),
      60_000,
    );
    expect(p.value('rck_heal_actions_total', { ...L, action: 'CrashFailover' })).toBe(1);
    expect(p.value('rck_cluster_slots_served', L)).toBe(16384);
    expect(p.samples('rck_member_up', L)).toHaveLength(6);
    expect(p.value('rck_member_is_master', { ...L, member: master.name })).toBe(0);
  });
});

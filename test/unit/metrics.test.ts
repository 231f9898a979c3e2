/**
 * controller/metrics.ts: the Prometheus text for a cluster snapshot, read back with a
 * Prometheus text-format parser, has every rck_* family with the values the snapshot implies.
 */
import { describe, expect, it } from 'vitest';
import type { Condition } from '../../src/controller/conditions.js';
import { RckMetrics } from '../../src/controller/metrics.js';
import type { DesiredShape } from '../../src/spec/desired-shape.js';
import type { Observation } from '../../src/topology/observation.js';
import { PromText } from '../support/prom-text.js';
import { NOW, observation, seedMembers } from './heal-fixtures.js';

const desired: DesiredShape = { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, placement: 'ordinal' };
const L = { namespace: '', cluster: 'r' };
const cond = (type: Condition['type'], status: 'True' | 'False'): Condition => ({
  type,
  status,
  reason: 'x',
  message: 'x',
  lastTransitionTime: new Date(NOW).toISOString(),
});
const healthy = [cond('Ready', 'True'), cond('Degraded', 'False'), cond('Healing', 'False')];

/** The seed's 3x1 with load figures, replication offsets, and r-3 lagging its master by 100 bytes. */
function seedObservation(): Observation {
  const obs = observation(seedMembers().map((m) => ({ ...m, keys: 10 + m.port - 7000, offset: m.name === 'r-3' ? 900 : 1000 })));
  for (const m of obs.members) {
    const n = m.node!;
    n.load = { usedMemoryBytes: 1_000_000 + m.ordinal, maxMemoryBytes: 0, connectedClients: 3 + m.ordinal, opsPerSec: 7 * m.ordinal };
  }
  const r0 = obs.members[0]!.node!;
  r0.replication.replicas = [{ host: '127.0.0.1', port: 7003, state: 'online', offset: 900, lagSeconds: 0 }];
  return obs;
}

describe('RckMetrics', () => {
  it('a healthy 3x1: 16384 slots served, 6 members up, 3 masters with 1 replica each, per-member figures', async () => {
    const m = new RckMetrics();
    const r = m.cluster(L);
    r.passed({ obs: seedObservation(), conditions: healthy, desired, durationMs: 42 });
    const p = new PromText(await m.text());
    expect(p.value('rck_cluster_ready', L)).toBe(1);
    expect(p.value('rck_cluster_degraded', L)).toBe(0);
    expect(p.value('rck_cluster_slots_served', L)).toBe(16384);
    expect(p.value('rck_cluster_slots_open', L)).toBe(0);
    expect(p.value('rck_cluster_members', L)).toBe(6);
    expect(p.value('rck_cluster_members_up', L)).toBe(6);
    expect(p.value('rck_cluster_masters', L)).toBe(3);
    expect(p.value('rck_cluster_desired_replicas_per_master', L)).toBe(1);
    expect(p.value('rck_cluster_observed_timestamp_seconds', L)).toBe(NOW / 1000);
    expect(p.samples('rck_master_replicas', L).map((s) => [s.labels.master, s.value])).toEqual([
      ['r-0', '1'],
      ['r-1', '1'],
      ['r-2', '1'],
    ]);
    expect(p.samples('rck_master_replicas_in_sync', L)).toHaveLength(3);
    expect(p.samples('rck_member_up', L)).toHaveLength(6);
    for (let i = 0; i < 6; i++) {
      const who = { ...L, member: `r-${i}` };
      expect(p.value('rck_member_up', who)).toBe(1);
      expect(p.value('rck_member_is_master', who)).toBe(i < 3 ? 1 : 0);
      expect(p.value('rck_member_keys', who)).toBe(10 + i);
      expect(p.value('rck_member_used_memory_bytes', who)).toBe(1_000_000 + i);
      expect(p.value('rck_member_connected_clients', who)).toBe(3 + i);
      expect(p.value('rck_member_ops_per_second', who)).toBe(7 * i);
      expect(p.value('rck_member_slots', who)).toBe([5461, 5462, 5461, 0, 0, 0][i]);
    }
    expect(p.samples('rck_member_info', { ...L, member: 'r-4' })[0]!.labels).toMatchObject({
      role: 'replica',
      master: 'r-1',
      domain: 'n2',
      address: '127.0.0.1:7004',
    });
    // r-3: its master's INFO says it acknowledged 900 of 1000; the others from their own offsets.
    expect(p.value('rck_member_replication_lag_bytes', { ...L, member: 'r-3' })).toBe(100);
    expect(p.value('rck_member_replication_lag_bytes', { ...L, member: 'r-4' })).toBe(0);
    expect(p.samples('rck_member_replication_lag_bytes', L)).toHaveLength(3); // replicas only
    expect(p.value('rck_member_master_link_up', { ...L, member: 'r-5' })).toBe(1);
    // The parser folds a labelled histogram into its buckets (it drops _count and _sum), so
    // those are read back from prom-client itself.
    expect(p.families.get('rck_controller_pass_duration_seconds')?.type).toBe('HISTOGRAM');
    const h = (await m.passDuration.get()).values;
    expect(h.find((v) => v.metricName === 'rck_controller_pass_duration_seconds_count' && v.labels.cluster === 'r')?.value).toBe(1);
    expect(h.find((v) => v.metricName === 'rck_controller_pass_duration_seconds_sum' && v.labels.cluster === 'r')?.value).toBeCloseTo(0.042);
  });

  it('a master down: its slots not served, the member down, its replica promoted next pass counts one failover', async () => {
    const m = new RckMetrics();
    const r = m.cluster(L);
    r.passed({ obs: seedObservation(), conditions: healthy, desired, durationMs: 1 });
    const down = observation(seedMembers().map((x) => (x.name === 'r-0' ? { ...x, up: false } : x)));
    r.passed({ obs: down, conditions: [cond('Ready', 'False')], desired, durationMs: 1 });
    let p = new PromText(await m.text());
    expect(p.value('rck_cluster_ready', L)).toBe(0);
    expect(p.value('rck_cluster_slots_served', L)).toBe(16384 - 5461);
    expect(p.value('rck_cluster_members_up', L)).toBe(5);
    expect(p.value('rck_member_up', { ...L, member: 'r-0' })).toBe(0);
    expect(p.samples('rck_member_keys', { ...L, member: 'r-0' })).toHaveLength(0);
    expect(p.value('rck_failovers_total', L)).toBe(0);
    const promoted = observation(
      seedMembers().map((x) =>
        x.name === 'r-0' ? { ...x, up: false } : x.name === 'r-3' ? { ...x, role: 'master' as const, master: undefined, slots: [[0, 5460]] as [number, number][] } : x,
      ),
    );
    r.passed({ obs: promoted, conditions: [cond('Ready', 'False')], desired, durationMs: 1 });
    p = new PromText(await m.text());
    expect(p.value('rck_failovers_total', L)).toBe(1);
    expect(p.value('rck_cluster_slots_served', L)).toBe(16384);
    expect(p.value('rck_member_is_master', { ...L, member: 'r-3' })).toBe(1);
  });

  it('open slots, probe samples, events (controller actions counted, platform and user events not) and the DataLoss condition', async () => {
    const m = new RckMetrics();
    const r = m.cluster(L);
    const obs = observation(
      seedMembers().map((x) =>
        x.name === 'r-0'
          ? {
              ...x,
              migrating: [
                [5, 'b'.repeat(40)],
                [6, 'b'.repeat(40)],
              ] as [number, string][],
            }
          : x,
      ),
    );
    r.passed({ obs, conditions: healthy, desired, durationMs: 1 });
    r.sampled([{ nodeId: 'a'.repeat(40), keys: 99, role: 'master', offset: 5 }]);
    const ev = (reason: string, source: 'controller' | 'platform' | 'user' = 'controller') => ({
      time: new Date(NOW).toISOString(),
      type: 'Normal' as const,
      reason,
      message: 'm',
      member: 'r-0',
      source,
    });
    for (const reason of ['Promote', 'Promote', 'Replicate', 'DataLoss']) r.event(ev(reason));
    r.event(ev('DataLossAcknowledged', 'user'));
    r.event(ev('Started', 'platform'));
    r.dataLossCondition(true);
    const p = new PromText(await m.text());
    expect(p.value('rck_cluster_slots_open', L)).toBe(2);
    expect(p.value('rck_member_keys', { ...L, member: 'r-0' })).toBe(99);
    expect(p.value('rck_heal_actions_total', { ...L, action: 'Promote' })).toBe(2);
    expect(p.value('rck_heal_actions_total', { ...L, action: 'Replicate' })).toBe(1);
    expect(p.samples('rck_heal_actions_total', L)).toHaveLength(2);
    expect(p.value('rck_data_loss_events_total', L)).toBe(1);
    expect(p.value('rck_cluster_data_loss', L)).toBe(1);
  });

  it('several clusters are told apart by labels; a removed one leaves no series', async () => {
    const m = new RckMetrics();
    const a = { namespace: 'ns1', cluster: 'a' };
    const b = { namespace: 'ns2', cluster: 'a' };
    m.cluster(a).passed({ obs: seedObservation(), conditions: healthy, desired, durationMs: 1 });
    m.cluster(b).passed({ obs: observation(seedMembers().slice(0, 3)), conditions: healthy, desired, durationMs: 1 });
    m.cluster(b).event({ time: new Date(NOW).toISOString(), type: 'Normal', reason: 'Meet', message: 'm', member: 'r-0', source: 'controller' });
    let p = new PromText(await m.text());
    expect(p.samples('rck_member_up', a)).toHaveLength(6);
    expect(p.samples('rck_member_up', b)).toHaveLength(3);
    m.remove(b);
    const text = await m.text();
    expect(text).not.toContain('namespace="ns2"');
    p = new PromText(text);
    expect(p.samples('rck_member_up', a)).toHaveLength(6);
  });

  it('before any pass: no gauge series, and the text still parses', async () => {
    const m = new RckMetrics();
    m.cluster(L);
    const p = new PromText(await m.text());
    expect(p.samples('rck_cluster_ready')).toHaveLength(0);
    expect(p.families.has('rck_heal_actions_total')).toBe(true);
  });
});

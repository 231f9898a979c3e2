/** decideCrashSuccessor: who takes over from a master whose process the platform saw exit. */
import { describe, expect, it } from 'vitest';
import { type CrashFacts, decideCrashSuccessor } from '../../src/plan/crash-successor.js';
import { lastFullResync } from '../../src/controller/divergence.js';
import { type FakeMember, observation, seedMembers } from './heal-fixtures.js';

const DEAD = 'a'.repeat(40);

function facts(members: FakeMember[], opts: { persistence?: boolean; secondsSinceExit?: number; deadId?: string } = {}): CrashFacts {
  const obs = observation(members);
  return {
    deadId: opts.deadId ?? DEAD,
    deadAddress: { host: '127.0.0.1', port: 7000 },
    peers: obs.members.filter((m) => m.node).map((m) => ({ member: m.name, node: m.node! })),
    secondsSinceExit: opts.secondsSinceExit ?? 0.1,
    persistence: opts.persistence ?? true,
  };
}

/** The seed with r-0 (master of 0-5460) gone and changes to its replica r-3. */
function withDeadMaster(replica: Partial<FakeMember> = {}, extra: FakeMember[] = []): FakeMember[] {
  return [...seedMembers().map((m) => (m.name === 'r-0' ? { ...m, up: false } : m.name === 'r-3' ? { ...m, keys: 100, ...replica } : m)), ...extra];
}

describe('decideCrashSuccessor', () => {
  it('promotes the replica whose link was up, with FORCE while a majority of masters can vote', () => {
    const d = decideCrashSuccessor(facts(withDeadMaster({ linkDownSince: 0 })));
    expect(d).toMatchObject({ kind: 'promote', member: 'r-3', mode: 'force', inSync: true, replicaKeys: 100 });
  });

  it('takes the in-sync replica with the highest offset among two', () => {
    const second: FakeMember = { name: 'r-6', id: '1'.repeat(40), port: 7006, role: 'replica', master: DEAD, offset: 900, linkDownSince: 1 };
    const d = decideCrashSuccessor(facts(withDeadMaster({ offset: 500, linkDownSince: 0 }, [second])));
    expect(d).toMatchObject({ kind: 'promote', member: 'r-6', inSync: true });
  });

  it('a replica whose link was down long before the exit is not in sync: persistence on restarts from the AOF and holds its failover off', () => {
    const d = decideCrashSuccessor(facts(withDeadMaster({ linkDownSince: 30 }), { persistence: true }));
    expect(d).toMatchObject({ kind: 'restart', hold: [{ member: 'r-3', address: { host: '127.0.0.1', port: 7003 } }] });
    expect((d as { reason: string }).reason).toMatch(/r-3: link down for 30 s/);
  });

  // Campaign seed 34: the replica restarted, full-synced, and its master was killed 3 ms
  // after it loaded the snapshot, before the writes buffered meanwhile were streamed.
  const R = 'f'.repeat(40);
  const replicaLog = [`9:S 01 Dec 2026 04:50:58.760 * Full resync from master: ${R}:1000`, '9:S 01 Dec 2026 04:50:58.771 * MASTER <-> REPLICA sync: Finished with success'].join(
    '\n',
  );
  const loadedAt = Date.parse('2026-12-01T04:50:58.771Z');
  function justSynced(offset: number, exitedAt: number, persistence: boolean): CrashFacts {
    const f = facts(withDeadMaster({ linkDownSince: 0, offset }), { persistence });
    const peer = f.peers.find((p) => p.member === 'r-3')!;
    peer.node.replication.replid = R;
    peer.snapshot = lastFullResync(replicaLog);
    return { ...f, exitedAt };
  }

  it('a replica that received nothing after a snapshot it loaded just before the exit is behind, link up or not', () => {
    expect(lastFullResync(replicaLog)).toMatchObject({ replid: R, offset: 1000, loadedAt });
    const held = decideCrashSuccessor(justSynced(1000, loadedAt + 3, true));
    expect(held).toMatchObject({ kind: 'restart', hold: [{ member: 'r-3' }] });
    expect((held as { reason: string }).reason).toMatch(/received nothing after the full-resync snapshot it loaded 3 ms before the exit/);
    // Persistence off: it is still the only copy, promoted as not in sync (the loss is reported).
    expect(decideCrashSuccessor(justSynced(1000, loadedAt + 3, false))).toMatchObject({ kind: 'promote', member: 'r-3', inSync: false });
  });

  it('after a full resync the replica is in sync once it streamed past the snapshot, or a second went by', () => {
    expect(decideCrashSuccessor(justSynced(1200, loadedAt + 3, true))).toMatchObject({ kind: 'promote', member: 'r-3', inSync: true });
    expect(decideCrashSuccessor(justSynced(1000, loadedAt + 1500, true))).toMatchObject({ kind: 'promote', member: 'r-3', inSync: true });
  });

  it('persistence off: the stale replica is still promoted (the restarted master has nothing), marked not in sync', () => {
    const d = decideCrashSuccessor(facts(withDeadMaster({ linkDownSince: 30 }), { persistence: false }));
    expect(d).toMatchObject({ kind: 'promote', member: 'r-3', inSync: false, replicaKeys: 100 });
  });

  it('persistence off and no replica: no copy survives', () => {
    const members = withDeadMaster().filter((m) => m.name !== 'r-3');
    expect(decideCrashSuccessor(facts(members, { persistence: false })).kind).toBe('no-copy');
    expect(decideCrashSuccessor(facts(members, { persistence: true })).kind).toBe('restart');
  });

  it('a replica that exits, or an unknown node, needs no failover', () => {
    const members = seedMembers().map((m) => (m.name === 'r-3' ? { ...m, up: false } : m));
    expect(decideCrashSuccessor(facts(members, { deadId: 'd'.repeat(40) })).kind).toBe('restart');
    expect(decideCrashSuccessor(facts(seedMembers(), { deadId: '9'.repeat(40) })).kind).toBe('restart');
  });

  it('TAKEOVER when the masters left cannot form a majority', () => {
    const members = withDeadMaster({ linkDownSince: 0 }).map((m) => (m.name === 'r-1' ? { ...m, up: false } : m));
    expect(decideCrashSuccessor(facts(members))).toMatchObject({ kind: 'promote', member: 'r-3', mode: 'takeover' });
  });
});

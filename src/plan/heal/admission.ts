/**
 * Admission of members that started closed because they restarted without their data
 * (spec/admission.ts says how and why). Pure. For each closed member:
 *   master with slots, a replica holds keys -> promote that replica (the copy) first;
 *       the closed node then turns replica of it and syncs the data back
 *   replica whose link to its master is up  -> admit: it holds its master's data now
 *   master with slots, no replica holds keys -> admit, and report the loss: no copy is left
 *   master without slots                     -> admit: it owns nothing
 * A replica of the closed master that does not answer may hold the copy: wait for it.
 * Data before availability: the shard stays closed rather than start empty over a copy.
 */
import type { Observation } from '../../topology/observation.js';
import type { SlotRange } from '../../topology/slots.js';
import type { HealAction } from './actions.js';
import { answering, inCluster, replicaMembers } from './facts.js';

export interface AdmissionPlan {
  actions: HealAction[];
  waiting: string[];
}

export function planAdmissions(obs: Observation): AdmissionPlan {
  const actions: HealAction[] = [];
  const waiting: string[] = [];
  const answeringIds = new Set(answering(obs).map((m) => m.node.id));
  for (const m of inCluster(obs)) {
    if (!m.node.admissionPending) continue;
    const self = m.node.self;
    if (self?.role === 'replica') {
      if (m.node.replication.masterLinkUp) {
        actions.push({
          kind: 'admit',
          member: m.name,
          reason: `it restarted without its data and has synced it back from its master ${self.masterId?.slice(0, 8)}`,
        });
      } else {
        waiting.push(`${m.name} restarted without its data: closed until its sync from ${self.masterId?.slice(0, 8)} completes`);
      }
      continue;
    }
    const slots = self?.slots.reduce((n, r) => n + r.end - r.start + 1, 0) ?? 0;
    if (slots === 0) {
      actions.push({ kind: 'admit', member: m.name, reason: 'it restarted without data but owns no slots: nothing to protect' });
      continue;
    }
    const successor = inCluster(obs).find((o) => o !== m && o.node.self?.role === 'master' && overlaps(o.node.self.slots, self!.slots));
    if (successor) {
      waiting.push(`${m.name} restarted without its data; ${successor.name} took its slots over: waiting for ${m.name} to turn its replica`);
      continue;
    }
    const copies = replicaMembers(obs, m.node.id).filter((r) => !r.node.admissionPending && r.node.keys > 0);
    if (copies.length > 0) {
      const best = [...copies].sort((a, b) => b.node.keys - a.node.keys || b.node.replication.offset - a.node.replication.offset || a.ordinal - b.ordinal)[0]!;
      actions.push({
        kind: 'promote-copy',
        member: best.name,
        emptyMember: m.name,
        masterId: m.node.id,
        reason: `${m.name} restarted without its data (no AOF) and still owns ${slots} slot(s); ${best.name} holds the copy (${best.node.keys} keys): it takes over, ${m.name} rejoins as its replica`,
      });
      continue;
    }
    // Even one Redis marks failed: it may be cut off with the copy. It resolves itself: a
    // member that comes back answers, one re-created empty gets a new id and the old is forgotten.
    const unanswered = m.node.table.filter((l) => l.role === 'replica' && l.masterId === m.node.id && !answeringIds.has(l.id));
    if (unanswered.length > 0) {
      waiting.push(
        `${m.name} restarted without its data; its replica ${unanswered.map((l) => l.id.slice(0, 8)).join(', ')} may hold the copy but does not answer: ${m.name} stays closed`,
      );
      continue;
    }
    actions.push({
      kind: 'admit',
      member: m.name,
      reason: `it restarted without its data and no replica holds a copy: its ${slots} slot(s) start empty`,
      dataLoss: `${m.name} restarted without its data (no AOF) and no replica holds a copy of its ${slots} slot(s): any keys they held are lost`,
    });
  }
  return { actions, waiting };
}

function overlaps(a: readonly SlotRange[], b: readonly SlotRange[]): boolean {
  return a.some((x) => b.some((y) => x.start <= y.end && y.start <= x.end));
}

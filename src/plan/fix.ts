/**
 * planFix: a repair for every slot that is open (migrating/importing), not
 * covered, claimed by several masters, or holding keys on a node that does not
 * own it, following the cases redis-cli's fix handles. Pure: the plan is plain
 * steps the executor runs in order; keys are only ever moved, never deleted.
 */
import type { ClusterModel, ObservedNode } from '../topology/model.js';
import { isMaster, nodeName, slotClaims, slotCount } from '../topology/model.js';

export type FixStep =
  /** Take ownership of an unowned slot: DELSLOTS (if any) + ADDSLOTS + BUMPEPOCH, then clear its open state. */
  | { op: 'claim'; node: string; slot: number }
  | { op: 'delslot'; node: string; slot: number }
  | { op: 'setslot-node'; node: string; slot: number; owner: string }
  | { op: 'setslot-importing'; node: string; slot: number; from: string }
  | { op: 'setslot-stable'; node: string; slot: number }
  | { op: 'move-keys'; slot: number; from: string; to: string };

export interface SlotRepair {
  slot: number;
  problem: string;
  /** What will be done, in words. */
  action: string;
  steps: FixStep[];
  /** Set when no safe repair exists; steps is empty then. */
  unfixable?: string;
}

/** node id -> slot -> keys, for every master and every slot in question. */
export type SlotKeyCounts = ReadonlyMap<string, ReadonlyMap<number, number>>;

/** Slots that need looking at: open, uncovered, multiply owned, or with stray keys. */
export function slotsNeedingRepair(model: ClusterModel, keys: SlotKeyCounts): number[] {
  const claims = slotClaims(model);
  const set = new Set<number>();
  claims.forEach((ids, slot) => {
    if (ids.length !== 1) set.add(slot);
  });
  for (const n of model.nodes) {
    for (const s of n.self?.migrating.keys() ?? []) set.add(s);
    for (const s of n.self?.importing.keys() ?? []) set.add(s);
  }
  for (const [id, perSlot] of keys) {
    for (const [slot, count] of perSlot) if (count > 0 && !claims[slot]!.includes(id)) set.add(slot);
  }
  return [...set].sort((a, b) => a - b);
}

export function planFix(model: ClusterModel, keys: SlotKeyCounts): SlotRepair[] {
  const masters = model.nodes.filter(isMaster);
  const claims = slotClaims(model);
  // Slots handed out to "no keys anywhere" slots, so they spread over the least loaded masters.
  const load = new Map(masters.map((m) => [m.id, slotCount(m)]));
  return slotsNeedingRepair(model, keys).map((slot) => closeOnReplicas(model, planSlot(slot, masters, claims[slot]!, keys, load)));
}

/**
 * Engines that replicate SETSLOT (Valkey 8) keep slot states on replicas too, and a
 * SETSLOT that timed out waiting for them (NOREPLICAS) is on the replicas but not on
 * their master. A replica refuses SETSLOT from a client: its master's SETSLOT STABLE,
 * last (the slot is closed on the master by then, so it changes nothing there),
 * reaches it through replication.
 */
function closeOnReplicas(model: ClusterModel, repair: SlotRepair): SlotRepair {
  if (repair.unfixable) return repair;
  const masters = new Set<string>();
  for (const n of model.nodes) {
    if (n.self?.role !== 'replica' || !n.self.masterId) continue;
    if (!n.self.migrating.has(repair.slot) && !n.self.importing.has(repair.slot)) continue;
    if (model.nodes.some((m) => m.id === n.self!.masterId && isMaster(m))) masters.add(n.self.masterId);
  }
  if (masters.size === 0) return repair;
  const name = (id: string) => nodeName(model.nodes.find((m) => m.id === id)!);
  const closing = [...masters].sort();
  const steps = [...repair.steps];
  for (const id of closing) {
    const last = steps[steps.length - 1];
    if (!(last?.op === 'setslot-stable' && last.node === id)) steps.push({ op: 'setslot-stable', node: id, slot: repair.slot });
  }
  const action = `close it on the replicas of ${closing.map(name).join(', ')} (SETSLOT STABLE on their master)`;
  // Open on replicas only: the masters' part of the plan just re-announces the owner.
  const onlyReplicas = repair.action.startsWith('keep ');
  return { ...repair, problem: `${repair.problem}, open on replica(s)`, action: onlyReplicas ? action : `${repair.action}; ${action}`, steps };
}

function keysOf(keys: SlotKeyCounts, id: string, slot: number): number {
  return keys.get(id)?.get(slot) ?? 0;
}

function planSlot(slot: number, masters: ObservedNode[], owners: readonly string[], keys: SlotKeyCounts, load: Map<string, number>): SlotRepair {
  const name = (id: string) => nodeName(masters.find((m) => m.id === id)!);
  const migrating = masters.filter((m) => m.self!.migrating.has(slot)).map((m) => m.id);
  const importing = masters.filter((m) => m.self!.importing.has(slot)).map((m) => m.id);
  const holders = masters.filter((m) => keysOf(keys, m.id, slot) > 0).map((m) => m.id);
  const byKeys = (ids: string[]) => [...ids].sort((a, b) => keysOf(keys, b, slot) - keysOf(keys, a, slot) || a.localeCompare(b));
  const steps: FixStep[] = [];
  const others = (owner: string) => masters.map((m) => m.id).filter((id) => id !== owner);
  const announce = (owner: string) => others(owner).forEach((id) => steps.push({ op: 'setslot-node', node: id, slot, owner }));

  // Uncovered and not open: give it to the node holding its keys, or the least loaded master.
  if (owners.length === 0 && migrating.length === 0 && importing.length === 0) {
    if (holders.length === 0) {
      const owner = [...load.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]![0];
      load.set(owner, load.get(owner)! + 1);
      steps.push({ op: 'claim', node: owner, slot });
      announce(owner);
      return { slot, problem: 'not covered, no keys anywhere', action: `assign to ${name(owner)}`, steps };
    }
    const [owner, ...rest] = byKeys(holders) as [string, ...string[]];
    steps.push({ op: 'claim', node: owner, slot });
    for (const src of rest) steps.push(...coldMove(src, owner, slot, false));
    // Tell every master directly instead of waiting for gossip.
    announce(owner);
    return {
      slot,
      problem: holders.length === 1 ? `not covered, keys on ${name(owner)}` : `not covered, keys on ${holders.map(name).join(', ')}`,
      action: rest.length === 0 ? `assign to ${name(owner)}` : `assign to ${name(owner)} (most keys) and move the other nodes' keys there`,
      steps,
    };
  }

  // Open slot (or several owners): settle on one owner first.
  let owner = owners.length === 1 ? owners[0]! : undefined;
  let imp = [...importing];
  let mig = [...migrating];
  for (const h of holders) if (h !== owner && !mig.includes(h) && !imp.includes(h)) imp.push(h);
  if (!owner) {
    owner = byKeys([...new Set([...owners, ...mig, ...imp])])[0] ?? byKeys(masters.map((m) => m.id))[0]!;
    if (owners.length === 0) steps.push({ op: 'claim', node: owner, slot });
    mig = mig.filter((id) => id !== owner);
    imp = imp.filter((id) => id !== owner);
  }
  // An owner that is itself importing just closes the slot: its keys are where they belong (redis-cli skips it too).
  imp = imp.filter((id) => id !== owner);
  for (const extra of owners.filter((id) => id !== owner)) {
    steps.push({ op: 'delslot', node: extra, slot }, { op: 'setslot-node', node: extra, slot, owner }, { op: 'setslot-importing', node: extra, slot, from: owner });
    imp = [...imp.filter((id) => id !== extra), extra];
    mig = mig.filter((id) => id !== extra);
  }
  const problem = describe(owners, mig, imp, name);

  if (mig.length === 1 && imp.length === 1) {
    const [src, dst] = [mig[0]!, imp[0]!];
    steps.push({ op: 'move-keys', slot, from: src, to: dst }, { op: 'setslot-node', node: dst, slot, owner: dst });
    announce(dst);
    return { slot, problem, action: `finish the migration from ${name(src)} to ${name(dst)}`, steps };
  }
  if (mig.length === 0 && imp.length > 0) {
    for (const src of imp) {
      if (!importing.includes(src) && !steps.some((s) => s.op === 'setslot-importing' && s.node === src)) {
        steps.push({ op: 'setslot-importing', node: src, slot, from: owner });
      }
      if (keysOf(keys, src, slot) > 0) steps.push({ op: 'move-keys', slot, from: src, to: owner });
      steps.push({ op: 'setslot-stable', node: src, slot });
    }
    announce(owner);
    steps.push({ op: 'setslot-stable', node: owner, slot });
    return { slot, problem, action: `move every key of the slot to its owner ${name(owner)} and close the slot`, steps };
  }
  if (mig.length === 1 && imp.length > 1) {
    const src = mig[0]!;
    if (imp.some((id) => keysOf(keys, id, slot) > 0)) {
      return { slot, problem, action: 'none', steps: [], unfixable: 'migrating on one node and importing with keys on several: resolve by hand' };
    }
    const target = masters.find((m) => m.id === src)!.self!.migrating.get(slot);
    const dst = imp.find((id) => id === target);
    if (dst) {
      steps.push({ op: 'move-keys', slot, from: src, to: dst }, { op: 'setslot-node', node: dst, slot, owner: dst });
      for (const id of imp) if (id !== dst) steps.push({ op: 'setslot-stable', node: id, slot });
      announce(dst);
      return { slot, problem, action: `finish the migration from ${name(src)} to ${name(dst)}, close the slot elsewhere`, steps };
    }
    steps.push({ op: 'setslot-stable', node: src, slot }, ...imp.map((id) => ({ op: 'setslot-stable' as const, node: id, slot })));
    return { slot, problem, action: 'close the slot on every node (no importing node matches the migration target)', steps };
  }
  if (mig.length === 1 && imp.length === 0) {
    const src = mig[0]!;
    if (src !== owner && keysOf(keys, src, slot) > 0) {
      return { slot, problem, action: 'none', steps: [], unfixable: `${name(src)} is migrating the slot and holds keys, but does not own it: resolve by hand` };
    }
    steps.push({ op: 'setslot-stable', node: src, slot });
    return { slot, problem, action: `close the slot on ${name(src)}`, steps };
  }
  if (mig.length === 0 && imp.length === 0) {
    // Several owners without keys elsewhere (the delslot/setslot steps above settled it),
    // or an owner that is itself importing: close the slot there.
    const ownerOpen = importing.includes(owner);
    if (ownerOpen) steps.push({ op: 'setslot-stable', node: owner, slot });
    announce(owner);
    return { slot, problem, action: ownerOpen ? `close the slot on its owner ${name(owner)}` : `keep ${name(owner)} as the only owner`, steps };
  }
  return {
    slot,
    problem,
    action: 'none',
    steps: [],
    unfixable: `migrating on ${mig.map(name).join(', ')}, importing on ${imp.map(name).join(', ')}: resolve by hand`,
  };
}

/** Keys of a slot on a node that does not own it go to the owner: importing state lets the node run MIGRATE. */
function coldMove(src: string, owner: string, slot: number, alreadyImporting: boolean): FixStep[] {
  const steps: FixStep[] = [{ op: 'setslot-node', node: src, slot, owner }];
  if (!alreadyImporting) steps.push({ op: 'setslot-importing', node: src, slot, from: owner });
  steps.push({ op: 'move-keys', slot, from: src, to: owner }, { op: 'setslot-stable', node: src, slot });
  return steps;
}

function describe(owners: readonly string[], mig: string[], imp: string[], name: (id: string) => string): string {
  const parts = [owners.length === 0 ? 'no owner' : owners.length > 1 ? `owned by ${owners.map(name).join(', ')}` : `owned by ${name(owners[0]!)}`];
  if (mig.length) parts.push(`migrating on ${mig.map(name).join(', ')}`);
  if (imp.length) parts.push(`importing (or holding keys) on ${imp.map(name).join(', ')}`);
  return parts.join(', ');
}

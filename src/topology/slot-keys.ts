/**
 * Counts keys per slot on masters, for the slots that matter to check and fix:
 * every slot a master does not own (stray keys) plus any slot asked for.
 * One pipelined round trip per master; skipped for masters holding no keys.
 */
import type { NodePool } from '../redis/pool.js';
import type { ClusterModel } from './model.js';
import { isMaster, slotClaims } from './model.js';
import { SLOT_COUNT } from './slots.js';

export async function probeSlotKeys(pool: NodePool, model: ClusterModel): Promise<Map<string, Map<number, number>>> {
  const claims = slotClaims(model);
  const out = new Map<string, Map<number, number>>();
  await Promise.all(
    model.nodes.filter(isMaster).map(async (m) => {
      const perSlot = new Map<number, number>();
      out.set(m.id, perSlot);
      if (m.keys === 0) return;
      // Slots it does not own, plus its open slots (their keys decide how to fix them).
      const slots: number[] = [];
      for (let s = 0; s < SLOT_COUNT; s++) {
        if (!claims[s]!.includes(m.id) || m.self!.migrating.has(s) || m.self!.importing.has(s) || claims[s]!.length !== 1) slots.push(s);
      }
      const client = await pool.get(m.address);
      const p = client.pipeline();
      for (const s of slots) p.call('CLUSTER', 'COUNTKEYSINSLOT', String(s));
      const res = (await p.exec()) ?? [];
      res.forEach(([err, count], i) => {
        if (!err && Number(count) > 0) perSlot.set(slots[i]!, Number(count));
      });
    }),
  );
  return out;
}

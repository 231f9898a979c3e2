/** Printing slot plans and their results, shared by reshard and rebalance. */
import type { SlotPlanResult } from '../ops/run-slot-plan.js';
import type { SlotMove } from '../plan/slot-moves.js';
import { countMovedSlots, describeMove } from '../plan/slot-moves.js';
import type { ClusterModel } from '../topology/model.js';
import { nodeById, nodeName } from '../topology/model.js';
import { formatRanges, rangesFromSlots } from '../topology/slots.js';
import { printLine } from './output.js';

export function nameIn(model: ClusterModel): (id: string) => string {
  return (id) => {
    const n = nodeById(model, id);
    return n ? nodeName(n) : id.slice(0, 8);
  };
}

export function printMoves(moves: SlotMove[], model: ClusterModel, keys: number): void {
  printLine(`Plan: move ${countMovedSlots(moves)} slot(s) holding ${keys} key(s):`);
  for (const m of moves) printLine(`  ${describeMove(m, nameIn(model))}`);
}

export function movesJson(moves: SlotMove[], model: ClusterModel): object[] {
  const name = nameIn(model);
  return moves.map((m) => ({
    from: m.from,
    fromAddress: name(m.from),
    to: m.to,
    toAddress: name(m.to),
    count: m.slots.length,
    slots: formatRanges(rangesFromSlots(m.slots)),
  }));
}

export function resultJson<P>(r: SlotPlanResult<P>): object {
  return {
    applied: r.applied,
    keysPlanned: r.keysPlanned,
    ...(r.result ? { slotsMoved: r.result.slotsDone, keysMoved: r.result.keysDone, elapsedMs: r.result.elapsedMs, stopped: r.result.stopped } : {}),
  };
}

export function printResult<P>(r: SlotPlanResult<P>): void {
  if (!r.result) {
    printLine('nothing was changed');
    return;
  }
  const { slotsDone, keysDone, elapsedMs, stopped } = r.result;
  const rate = elapsedMs > 0 ? Math.round((keysDone * 1000) / elapsedMs) : 0;
  printLine(`${stopped ? 'STOPPED (interrupted; no slot left open)' : 'OK'}: moved ${slotsDone} slot(s) and ${keysDone} key(s) in ${elapsedMs} ms (${rate} keys/s)`);
}

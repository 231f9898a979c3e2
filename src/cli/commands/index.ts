import type { Command } from 'commander';
import { registerAddNode } from './add-node.js';
import { registerClusterViews } from './cluster-views.js';
import { registerCreate } from './create.js';
import { registerDelNode } from './del-node.js';
import { registerFix } from './fix.js';
import { registerRebalance } from './rebalance.js';
import { registerReshard } from './reshard.js';

/** Every command module registers itself here; one line per module. */
export function registerCommands(program: Command): void {
  registerCreate(program);
  registerClusterViews(program);
  registerFix(program);
  registerReshard(program);
  registerRebalance(program);
  registerAddNode(program);
  registerDelNode(program);
}

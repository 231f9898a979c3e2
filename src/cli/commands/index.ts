import type { Command } from 'commander';
import { registerAddNode } from './add-node.js';
import { registerBench } from './bench.js';
import { registerClusterViews } from './cluster-views.js';
import { registerConnect } from './connect.js';
import { registerCreate } from './create.js';
import { registerDelNode } from './del-node.js';
import { registerDown } from './down.js';
import { registerEvents } from './events.js';
import { registerFix } from './fix.js';
import { registerLogs } from './logs.js';
import { registerMemberCommands } from './members.js';
import { registerOperator } from './operator.js';
import { registerRebalance } from './rebalance.js';
import { registerRender } from './render.js';
import { registerReshard } from './reshard.js';
import { registerScale } from './scale.js';
import { registerUp } from './up.js';

/** Every command module registers itself here; one line per module. */
export function registerCommands(program: Command): void {
  registerCreate(program);
  registerClusterViews(program);
  registerFix(program);
  registerReshard(program);
  registerRebalance(program);
  registerAddNode(program);
  registerDelNode(program);
  registerUp(program);
  registerDown(program);
  registerScale(program);
  registerMemberCommands(program);
  registerLogs(program);
  registerConnect(program);
  registerBench(program);
  registerEvents(program);
  registerRender(program);
  registerOperator(program);
}

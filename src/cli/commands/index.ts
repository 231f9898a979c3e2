import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerConnect } from './connect.js';
import { registerCreate } from './create.js';
import { registerDown } from './down.js';
import { registerLogs } from './logs.js';
import { registerMemberCommands } from './members.js';
import { registerLocalStatus } from './status-local.js';
import { registerUp } from './up.js';

/** Every command module registers itself here; one line per module. */
export function registerCommands(program: Command): void {
  registerCreate(program);
  registerUp(program);
  registerDown(program);
  registerMemberCommands(program);
  registerLogs(program);
  registerConnect(program);
  registerBench(program);
  registerLocalStatus(program);
}

import type { Command } from 'commander';
import { registerClusterViews } from './cluster-views.js';
import { registerCreate } from './create.js';
import { registerFix } from './fix.js';

/** Every command module registers itself here; one line per module. */
export function registerCommands(program: Command): void {
  registerCreate(program);
  registerClusterViews(program);
  registerFix(program);
}

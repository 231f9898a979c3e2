import type { Command } from 'commander';
import { registerCreate } from './create.js';

/** Every command module registers itself here; one line per module. */
export function registerCommands(program: Command): void {
  registerCreate(program);
}

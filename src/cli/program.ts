/** The rck program: its global options and its commands, without parsing or running anything. */
import type { Command } from 'commander';
import { registerCommands } from './commands/index.js';
import { newProgram } from './root.js';

/**
 * Builds the program for `argv`: only the module of the command named in it is loaded
 * (see registerCommands); `buildProgram([])` loads every command, as help and the CLI
 * reference need.
 */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = newProgram();
  await registerCommands(program, argv);
  return program;
}

/** The rck program: its global options and its commands, without parsing or running anything. */
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerCommands } from './commands/index.js';

/**
 * Builds the program for `argv`: only the module of the command named in it is loaded
 * (see registerCommands); `buildProgram([])` loads every command, as help and the CLI
 * reference need.
 */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command();
  program
    .name('rck')
    .description('Redis Cluster Keeper: create, check, fix and run sharded Redis Clusters.')
    .version(VERSION)
    .option('-v, --verbose', 'print error details')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

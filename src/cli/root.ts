/** rck's root command: its name, version and global options, without any command. */
import { Command } from 'commander';
import { VERSION } from '../version.js';

export function newProgram(): Command {
  return new Command()
    .name('rck')
    .description('Redis Cluster Keeper: create, check, fix and run sharded Redis Clusters.')
    .version(VERSION)
    .option('-v, --verbose', 'print error details')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** Options shared by the commands that act on a local cluster (up, down, kill, ...). */
import type { Command } from 'commander';
import type { LocalTargetFlags } from '../../platform/local/resolve.js';

export type { LocalTargetFlags };

export function addLocalOptions(cmd: Command, withFile = true): Command {
  if (withFile) cmd.option('-f, --file <spec>', 'cluster spec file (YAML); default: the cluster already in the state dir, else the seed spec');
  return cmd
    .option('--name <cluster>', 'cluster name (metadata.name) when no spec file is given')
    .option('--state-dir <dir>', "the cluster's state directory; default: $RCK_STATE_HOME/<name>, else $XDG_STATE_HOME/rck/<name>, else ~/.local/state/rck/<name>");
}

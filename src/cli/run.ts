/** Runs a built rck program on argv: parses, runs the command, and turns errors into one line and an exit code. */
import { type Command, CommanderError } from 'commander';
import { isRckError } from '../errors.js';
import { commandOf } from './prelaunch.js';

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  // `rck status | head`: the reader went away; that is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the usage error (or help/version output).
      if (err.code === 'commander.excessArguments') nameHint(program, commandOf(argv));
      process.exitCode = err.exitCode;
    } else if (isRckError(err)) {
      process.stderr.write(`rck: ${err.message}\n`);
      if (err.options.hint) process.stderr.write(`hint: ${err.options.hint}\n`);
      if (program.opts().verbose && err.options.detail) process.stderr.write(`${err.options.detail}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`rck: unexpected error: ${err instanceof Error ? (program.opts().verbose ? err.stack : err.message) : String(err)}\n`);
      process.exitCode = 70;
    }
  }
}

/** `rck down idle`, as kind and minikube users would type it: the cluster's name is an option here. */
function nameHint(program: Command, commandName: string | undefined): void {
  const sub = program.commands.find((c) => c.name() === commandName);
  if (!sub || !sub.options.some((o) => o.long === '--name')) return;
  const given = sub.args.slice(0, sub.registeredArguments.length);
  const extra = sub.args[given.length];
  if (extra) process.stderr.write(`hint: a cluster is named with --name: rck ${[sub.name(), ...given].join(' ')} --name ${extra}\n`);
}

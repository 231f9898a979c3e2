import { prelaunchSupervisor } from '../platform/local/supervisor-process.js';

// `rck up`: the supervisor process boots while the CLI loads and checks the spec (see
// supervisor-process.ts), so it is launched before anything else is loaded.
const commandName = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (commandName === 'up' && !process.argv.some((a) => a === '-h' || a === '--help')) {
  prelaunchSupervisor();
  // The spec's schema and YAML (~0.1 s) load beside the CLI's own modules.
  import('../spec/load.js').catch(() => undefined); // a failure shows where the spec is read
}
const [{ CommanderError }, { isRckError }, { buildProgram }] = await Promise.all([import('commander'), import('../errors.js'), import('./program.js')]);

// `rck status | head`: the reader went away; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

const program = await buildProgram(process.argv);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed the usage error (or help/version output).
    if (err.code === 'commander.excessArguments') nameHint();
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

/** `rck down idle`, as kind and minikube users would type it: the cluster's name is an option here. */
function nameHint(): void {
  const sub = program.commands.find((c) => c.name() === commandName);
  if (!sub || !sub.options.some((o) => o.long === '--name')) return;
  const given = sub.args.slice(0, sub.registeredArguments.length);
  const extra = sub.args[given.length];
  if (extra) process.stderr.write(`hint: a cluster is named with --name: rck ${[sub.name(), ...given].join(' ')} --name ${extra}\n`);
}

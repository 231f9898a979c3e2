/**
 * The entry of `rck up`'s V8 startup snapshot (scripts/build-snapshots.mjs; bin/rck runs
 * it when `npm run build` made it for the node binary it finds). Building it evaluates
 * commander, zod, YAML and `up`'s own modules once, so a run starts with them loaded: Redis
 * holds a new master at cluster_state:fail for 2 s from its start, and loading them took about
 * 0.1 s before the members could spawn. The same modules as main.ts run, on the same argv.
 * What runs at build time must not read the environment, the clock or the terminal: only
 * module definitions do.
 */
import { startupSnapshot } from 'node:v8';
import '../spec/load.js';
import { registerUp } from './commands/up.js';
import { prelaunchForUp } from './prelaunch.js';
import { newProgram } from './root.js';
import { runProgram } from './run.js';

startupSnapshot.setDeserializeMainFunction(() => {
  // A snapshot's argv has no script: [node, ...arguments].
  const argv = [process.argv[0]!, 'rck', ...process.argv.slice(1)];
  prelaunchForUp(argv);
  const program = newProgram();
  registerUp(program);
  void runProgram(program, argv);
});

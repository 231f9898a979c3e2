/** The CLI's entry (bin/rck, and `rck up` without its startup snapshot: up-snapshot.ts). */
import { prelaunchForUp } from './prelaunch.js';

// `rck up`: the supervisor process boots while the CLI loads and checks the spec, so it is
// launched before anything else is loaded; the spec's schema and YAML (~0.1 s) load beside
// the CLI's own modules.
if (prelaunchForUp(process.argv)) import('../spec/load.js').catch(() => undefined); // a failure shows where the spec is read
const [{ buildProgram }, { runProgram }] = await Promise.all([import('./program.js'), import('./run.js')]);
await runProgram(await buildProgram(process.argv), process.argv);

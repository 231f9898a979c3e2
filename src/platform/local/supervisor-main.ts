/**
 * Entry point of the supervisor process, started by `rck up` before it has checked the
 * spec so that this process boots meanwhile (the 2 s Redis holds a new master at
 * cluster_state:fail counts from the members' start, so every earlier ms counts):
 *   node supervisor-main.js
 * The same process starts from supervisor-snapshot.ts when `npm run build` made its
 * startup snapshot (supervisor-process.ts chooses). What it does: supervisor-run.ts.
 */
import { runSupervisorProcess } from './supervisor-run.js';

await runSupervisorProcess();

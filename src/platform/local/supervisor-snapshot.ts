/**
 * The entry of the supervisor's V8 startup snapshot (scripts/build-snapshots.mjs):
 * building it evaluates the modules the supervisor needs before its members spawn, so a
 * process started from it spawns them about 40 ms sooner than one that loads them
 * (supervisor-process.ts starts it when the snapshot is fresh; snapshot-blob.ts). What runs
 * at build time must not read the environment, the clock or the terminal: only module
 * definitions do.
 */
import { startupSnapshot } from 'node:v8';
import { runSupervisorProcess } from './supervisor-run.js';

startupSnapshot.setDeserializeMainFunction(() => void runSupervisorProcess());

// The engine a bench runs on: $RCK_TEST_ENGINE as in test/support/engine.ts (unset: the OS's
// redis-server and redis-cli; `redis-7.2.6` / `valkey-8.0.1`: built by scripts/build-engines.sh).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const ENGINE = process.env.RCK_TEST_ENGINE || 'system';

function built(kind) {
  const path = join(process.env.RCK_ENGINE_CACHE || join(homedir(), '.cache', 'rck', 'engines'), ENGINE, 'bin', `${ENGINE.split('-')[0]}-${kind}`);
  if (!existsSync(path)) throw new Error(`RCK_TEST_ENGINE=${ENGINE}: ${path} is missing; build it with scripts/setup.sh --engines`);
  return path;
}

export const SERVER = ENGINE === 'system' ? 'redis-server' : built('server');
export const CLI = ENGINE === 'system' ? 'redis-cli' : built('cli');

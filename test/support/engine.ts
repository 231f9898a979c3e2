/**
 * The engine tests run against: $RCK_TEST_ENGINE names one built by scripts/build-engines.sh
 * (`redis-7.2.6`, `valkey-8.0.1`, in ~/.cache/rck/engines/<name>/bin), or is unset/`system`
 * for the OS's redis-server. vitest.config.ts runs a subset of the suite once per engine.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const TEST_ENGINE = process.env.RCK_TEST_ENGINE || 'system';

const cache = process.env.RCK_ENGINE_CACHE || join(homedir(), '.cache', 'rck', 'engines');

function built(kind: 'server' | 'cli'): string {
  return builtEngineBinary(TEST_ENGINE, kind);
}

/** A binary of an engine built by scripts/build-engines.sh, e.g. ('valkey-8.0.1', 'server'). */
export function builtEngineBinary(name: string, kind: 'server' | 'cli'): string {
  const engine = name.split('-')[0]!; // redis | valkey
  const path = join(cache, name, 'bin', `${engine}-${kind}`);
  if (!existsSync(path)) throw new Error(`engine ${name}: ${path} is missing; build it with scripts/setup.sh --engines`);
  return path;
}

/** The server binary to start test nodes with. */
export function serverBinary(): string {
  return TEST_ENGINE === 'system' ? 'redis-server' : built('server');
}

/** The matching client (redis-cli or valkey-cli), for `--cluster check` and friends. */
export function cliBinary(): string {
  return TEST_ENGINE === 'system' ? 'redis-cli' : built('cli');
}

/** Extra fields for the spec's `local: {...}` flow map: the engine's server binary. */
export function engineLocalFields(): string {
  return TEST_ENGINE === 'system' ? '' : `, serverBinary: ${serverBinary()}`;
}

/** "valkey-8.0.1" or "system": for test titles, so a failure names the engine. */
export const engineTag = TEST_ENGINE === 'system' ? '' : ` [${TEST_ENGINE}]`;

/** What `rck up` and INFO server name for this engine: "valkey 8.0.1", "redis 7.2.6", or any Redis 7 for the OS's. */
export const engineNamePattern: RegExp = TEST_ENGINE === 'system' ? /redis 7\.\d+\.\d+/ : new RegExp(TEST_ENGINE.replace('-', ' ').replaceAll('.', '\\.'));

/**
 * What a server log says when the engine crashed (an assertion, a signal like SIGSEGV): Redis
 * and Valkey print a bug report. SIGKILL, which tests send on purpose, leaves no such line.
 */
const CRASH = /BUG REPORT START|=== (RECURSIVE )?ASSERTION FAILED ===|crashed by signal/i;

/** The first crash line in a server log, or undefined. */
export function crashLine(log: string): string | undefined {
  return log.split('\n').find((l) => CRASH.test(l));
}

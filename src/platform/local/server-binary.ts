/**
 * Which server binary local members run: `spec.local.serverBinary` (a path or a name on
 * PATH), else $RCK_REDIS_SERVER, else redis-server, or valkey-server when only that is
 * installed. The client binary (rck connect) is the one beside it: redis-cli or valkey-cli.
 */
import { access, constants } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** First directory of PATH holding an executable `name`, or undefined. */
async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const p = join(dir, name);
    if (
      await access(p, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

export async function resolveServerBinary(fromSpec: string | undefined): Promise<string> {
  if (fromSpec) return fromSpec;
  if (process.env.RCK_REDIS_SERVER) return process.env.RCK_REDIS_SERVER;
  if (!(await onPath('redis-server')) && (await onPath('valkey-server'))) return 'valkey-server';
  return 'redis-server';
}

/** valkey-server -> valkey-cli, anything else -> redis-cli; in the server's directory when it was given as a path. */
export function clientBinaryBeside(server: string): string {
  const cli = /valkey/.test(basename(server)) ? 'valkey-cli' : 'redis-cli';
  return server.includes('/') ? join(dirname(server), cli) : cli;
}

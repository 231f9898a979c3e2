/** Options shared by the commands that talk to Redis nodes. */
import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { type NodeAddress, parseAddress } from '../redis/address.js';
import { type ConnectOptions, PASSWORD_ENV } from '../redis/connection.js';
import { passwordProfile } from '../redis/profile.js';
import { parseMillis } from './parse-values.js';

export interface ConnectionFlags {
  password?: string;
  timeout: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-a, --password <password>', `password of the nodes (prefer the ${PASSWORD_ENV} environment variable: arguments show in ps)`))
    .addOption(new Option('--timeout <ms>', 'per-node connect timeout in milliseconds').default('3000'));
}

export function connectionFrom(flags: ConnectionFlags): ConnectOptions {
  return { profile: passwordProfile(flags.password ?? process.env[PASSWORD_ENV] ?? undefined, 'rck'), timeoutMs: parseMillis(flags.timeout, '--timeout') };
}

export { parseCount, parseMillis } from './parse-values.js';

export function parseAddresses(texts: string[]): NodeAddress[] {
  return texts.map(parseAddress);
}

/** `--domain host:port=zone`, repeatable. */
export function collectDomain(value: string, previous: Map<string, string> = new Map()): Map<string, string> {
  const i = value.lastIndexOf('=');
  if (i <= 0 || i === value.length - 1) throw new InputError(`--domain: invalid value "${value}": expected host:port=domain`);
  const addr = parseAddress(value.slice(0, i));
  previous.set(`${addr.host}:${addr.port}`, value.slice(i + 1));
  return previous;
}

/**
 * Checks the rendered redis.conf with the installed redis-server itself before `up`
 * creates or starts anything: Redis's own parser is the only truth about what it
 * accepts. A throwaway start reads the configuration from stdin and loads it fully
 * (directives, then ACL users and modules) in a temporary directory, serving only a
 * unix socket there; it is killed once it says it is ready, and the directory removed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { renderCheckConf } from '../../spec/redis-conf.js';
import type { RedisCluster } from '../../spec/schema.js';
import type { Engine } from '../../topology/engine.js';

/** Long enough for any sane start of an empty server; a check that takes longer is not held against the spec. */
const CHECK_TIMEOUT_MS = 10_000;

/** What Redis said about the configuration: undefined when it accepted it. */
export interface ConfRejection {
  /** The spec field (or rck setting) at fault, when Redis says which line. */
  field?: string;
  /** The directive as Redis quotes it. */
  directive?: string;
  reason: string;
}

/** Throws an InputError naming the spec field when redis-server rejects the cluster's configuration. */
/** `engine` is only awaited to name it in the error, so the check can run beside the version check. */
export async function checkRedisConf(cluster: RedisCluster, source: string, engine: Promise<Engine>, binary: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rck-conf-'));
  try {
    const conf = renderCheckConf(cluster.spec, dir);
    const { output, timedOut } = await throwawayStart(binary, conf.text, dir);
    if (timedOut) return; // slow, not wrong: the members' own start will tell
    const rejected = judgeCheckOutput(
      output,
      conf.sources,
      Object.keys(cluster.spec.redis.config),
      cluster.spec.auth.users.map((u) => u.name),
    );
    if (!rejected) return;
    const what = rejected.directive ? `\`${rejected.directive}\`` : 'the configuration';
    const { name, version } = await engine;
    throw new InputError(`${source}: ${rejected.field ?? 'spec.redis.config'}: ${name}-server ${version} rejects ${what}: ${rejected.reason}`, {
      subject: rejected.field ?? source,
      hint: 'fix the value in the spec (see redis.conf for what Redis accepts); nothing was created or started',
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs redis-server on the configuration until it is ready (then kills it) or exits; returns what it printed. */
function throwawayStart(binary: string, text: string, cwd: string): Promise<{ output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    let timedOut = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // Resolve once it is gone, so the directory is removed after its last write.
      if (child.exitCode !== null || child.signalCode !== null) resolve({ output, timedOut });
      else child.once('exit', () => resolve({ output, timedOut }));
    };
    const timer = setTimeout(() => {
      timedOut = true;
      finish();
    }, CHECK_TIMEOUT_MS);
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      // 7.0: "The server is now ready to accept connections at <socket>"; 7.2+: "Ready to accept connections unix".
      if (/ready to accept connections/i.test(output)) finish();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => {
      clearTimeout(timer);
      done = true;
      reject(new InputError(`cannot run ${binary} to check the configuration: ${err.message}`, { subject: binary }));
    });
    // 'close', not 'exit': a process that refuses the configuration prints why and exits at
    // once, and 'exit' can come before its output is read (then the reason was missing).
    child.once('close', finish);
    child.stdin.on('error', () => {}); // it may exit before reading everything
    child.stdin.end(text);
  });
}

/**
 * Reads a throwaway start's output. `sources[n - 1]` says where line n came from; `keys`
 * are the spec's redis.config keys, to name the field of errors Redis reports without a
 * line (ACL users and modules are loaded after the file is parsed).
 */
export function judgeCheckOutput(output: string, sources: readonly string[], keys: readonly string[], users: readonly string[] = []): ConfRejection | undefined {
  if (/ready to accept connections/i.test(output)) return undefined;
  const fatal = /FATAL CONFIG FILE ERROR[^\n]*\n(?:Reading the configuration file, at line (\d+)\n)?(?:>>> '(.*)'\n)?([^\n]*)/.exec(output);
  if (fatal) {
    const line = fatal[1] ? Number(fatal[1]) : undefined;
    const directive = fatal[2];
    const field = (line !== undefined ? sources[line - 1] : undefined) ?? fieldByDirective(directive, keys);
    return { field, directive, reason: fatal[3]!.trim() || 'rejected' };
  }
  // Errors after parsing are logged as warnings (`pid:X date # message`) before it exits.
  const warnings = output
    .split('\n')
    .map((l) => /^\d+:[A-Z] .*? # (.*)$/.exec(l)?.[1])
    .filter((m): m is string => m !== undefined && !/^(WARNING|Reading config|oO0OoO0OoO0Oo|Redis version|Configuration loaded|Server initialized)/.test(m));
  const reason = warnings.slice(-2).join('; ') || lastLine(output) || 'it exited without saying why';
  const specUser = users.indexOf(/for the user named '([^']*)'/.exec(reason)?.[1] ?? '');
  if (specUser >= 0) return { field: `spec.auth.users[${specUser}].rules`, reason };
  const field = /\bACL\b|\buser\b/i.test(reason) ? pick(keys, ['user', 'aclfile']) : /module/i.test(reason) ? pick(keys, ['loadmodule']) : undefined;
  return { field, reason };
}

function fieldByDirective(directive: string | undefined, keys: readonly string[]): string | undefined {
  const name = directive?.split(/\s/)[0];
  return name && keys.includes(name) ? `spec.redis.config.${name}` : undefined;
}

function pick(keys: readonly string[], candidates: string[]): string | undefined {
  const k = candidates.find((c) => keys.includes(c));
  return k ? `spec.redis.config.${k}` : undefined;
}

function lastLine(output: string): string | undefined {
  return output.trim().split('\n').pop()?.trim();
}

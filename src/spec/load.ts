/**
 * Reading a spec file: YAML -> zod validation -> a fully defaulted RedisCluster.
 * Every failure is one InputError line: `<file>: <field path>: <reason> (got <value>)`.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError, errorText } from '../errors.js';
import { type RedisCluster, redisClusterSchema } from './schema.js';

/** The seed's cluster, as if the spec file were empty. */
export function defaultCluster(): RedisCluster {
  return redisClusterSchema.parse({});
}

export async function loadSpecFile(path: string): Promise<RedisCluster> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read spec file (${code === 'ENOENT' ? 'no such file' : errorText(err)})`, { subject: path });
  }
  return parseSpec(text, path);
}

export function parseSpec(text: string, source = 'spec'): RedisCluster {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new InputError(`${source}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`, { subject: source });
  }
  const raw: unknown = doc.toJS();
  // As kubectl ("no objects passed to apply"): an empty file is a mistake (a wrong path, a
  // truncated write), not a request for the default cluster.
  if (raw === null || raw === undefined) {
    throw new InputError(`${source}: the spec file is empty: no RedisCluster in it; nothing was done`, {
      subject: source,
      hint: 'write a RedisCluster spec in it (`{}` for the seed defaults), or leave out -f',
    });
  }
  return validateSpec(raw, source);
}

export function validateSpec(raw: unknown, source = 'spec'): RedisCluster {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${source}: expected a RedisCluster object (apiVersion, kind, metadata, spec)`, { subject: source });
  }
  const result = redisClusterSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  throw new InputError(`${source}: ${describeIssue(issues[0]!, raw)}`, {
    subject: source,
    detail:
      issues
        .slice(1)
        .map((i) => describeIssue(i, raw))
        .join('\n') || undefined,
  });
}

/** One issue as `path: reason (got value)`. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => [...path, k].join('.'));
    return `${keys.join(', ')}: unknown field${keys.length > 1 ? 's' : ''}`;
  }
  const where = path.length ? path.join('.') : '(top level)';
  // ACL rules refused for setting a password: the value may hold one, so it is not echoed.
  if (path[0] === 'spec' && path[1] === 'auth' && path[2] === 'users' && path[4] === 'rules') return `${where}: ${simplify(issue.message)} (value not shown)`;
  const got = valueAt(raw, path);
  const gotText = got === undefined ? 'nothing' : JSON.stringify(got);
  return `${where}: ${simplify(issue.message)} (got ${gotText.length > 60 ? `${gotText.slice(0, 57)}...` : gotText})`;
}

function valueAt(raw: unknown, path: string[]): unknown {
  let v: unknown = raw;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** zod's "Too small: expected number to be >=3" -> "expected a number >= 3". */
function simplify(message: string): string {
  return message
    .replace(/^Too small: expected (\w+) to be >=?\s*/, 'expected a $1 >= ')
    .replace(/^Too big: expected (\w+) to be <=?\s*/, 'expected a $1 <= ')
    .replace(/^Invalid input: expected (\w+), received \w+$/, 'expected a $1')
    .replace(/^Invalid input: expected "([^"]+)"$/, 'expected "$1"');
}

/** Durations and counts given as option values; apart from options.ts, which loads the Redis client. */
import { InputError } from '../errors.js';

export function parseMillis(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new InputError(`${what}: invalid duration "${text}": expected milliseconds, or a number with ms, s or m`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}

export function parseCount(text: string, what: string, min = 0): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new InputError(`${what}: invalid value "${text}": expected an integer >= ${min}`);
  return Number(text);
}

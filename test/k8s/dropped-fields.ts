/** What the API server (or the client's models on the way) dropped of an applied object. */

/** Leaf paths of `rendered` absent from `applied` (the client's models spell `from` as `_from`). */
export function missingPaths(rendered: unknown, applied: unknown, path: string): string[] {
  if (rendered === undefined || rendered === '') return []; // the API server omits empty strings
  if (rendered === null || typeof rendered !== 'object') return applied === undefined || applied === null ? [path] : [];
  if (applied === undefined || applied === null || typeof applied !== 'object') return [path];
  const a = applied as Record<string, unknown>;
  return Object.entries(rendered as Record<string, unknown>).flatMap(([k, v]) => missingPaths(v, k === 'from' && !(k in a) ? a._from : a[k], `${path}.${k}`));
}

#!/usr/bin/env node
// Builds the V8 startup snapshots from the compiled dist/ (run by `npm run build` after tsc):
//   dist/snapshot/up.blob          `rck up` (src/cli/up-snapshot.ts); bin/rck runs it
//   dist/snapshot/supervisor.blob  the supervisor process (src/platform/local/supervisor-snapshot.ts)
// Each entry and what it imports is bundled by esbuild first (a snapshot takes one script),
// then evaluated by this node binary, whose heap is saved. A snapshot is tied to that binary:
// the .stamp beside each blob names it and this dist/ (src/platform/local/snapshot-blob.ts).
import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const dist = await realpath(fileURLToPath(new URL('../dist', import.meta.url)));
const out = join(dist, 'snapshot');
const { SUPERVISOR_NODE_FLAGS } = await import(pathToFileURL(join(dist, 'platform/local/supervisor-process.js')).href);
const { snapshotStamp } = await import(pathToFileURL(join(dist, 'platform/local/snapshot-blob.js')).href);

const snapshots = [
  { name: 'up', entry: 'cli/up-snapshot.js', flags: [] },
  // Made with the flags it runs with: V8 flags that differ cost the code cache.
  { name: 'supervisor', entry: 'platform/local/supervisor-snapshot.js', flags: SUPERVISOR_NODE_FLAGS },
];

/** A CommonJS bundle has no import.meta: each module gets its own file's URL, so the paths it derives point into this dist/. */
const importMetaUrl = {
  name: 'import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      if (!path.startsWith(`${dist}/`)) return undefined;
      const source = await readFile(path, 'utf8');
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)), loader: 'js' };
    });
  },
};

/**
 * child_process and module are not among the builtins node supports loading while it makes a
 * snapshot (it warns that they are "not yet fully verified"). rck calls them only when it
 * runs, so the bundles get them through these stand-ins, which load the builtin on first use.
 */
const LAZY_BUILTINS = {
  child_process: `
    const { promisify } = require('node:util');
    const load = () => require('node:child_process');
    export const spawn = (...args) => load().spawn(...args);
    export const execFile = (...args) => load().execFile(...args);
    execFile[promisify.custom] = (...args) => promisify(load().execFile)(...args);`,
  module: `
    export const createRequire = (...args) => require('node:module').createRequire(...args);`,
};
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?(child_process|module)$/ }, ({ path, namespace }) =>
      // The stand-in's own require of the builtin stays a require.
      namespace === 'lazy' ? { path, external: true } : { path: path.replace(/^node:/, ''), namespace: 'lazy' },
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, ({ path }) => ({ contents: LAZY_BUILTINS[path], loader: 'js', resolveDir: dist }));
  },
};

await rm(out, { recursive: true, force: true });
await mkdir(out);
const stamp = `${snapshotStamp(await stat(process.execPath), dist)}\n`;
for (const { name, entry, flags } of snapshots) {
  const bundle = join(out, `${name}.cjs`);
  const blob = join(out, `${name}.blob`);
  await esbuild.build({
    entryPoints: [join(dist, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    // Less source text in the heap: the snapshot is read about 7 ms sooner. Names are kept,
    // so a stack trace still names its functions.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    plugins: [importMetaUrl, lazyBuiltins],
  });
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [...flags, '--snapshot-blob', blob, '--build-snapshot', bundle], { cwd: out });
    // Node warns here about a builtin it does not support loading while it makes a snapshot.
    if (stderr.trim()) process.stderr.write(`build-snapshots: ${name}: ${stderr}`);
  } catch (err) {
    process.stderr.write(`build-snapshots: ${name}: ${err.stderr || err.message}\n`);
    await rm(out, { recursive: true, force: true }); // the code runs as compiled
    process.exit(1);
  }
  await writeFile(join(out, `${name}.stamp`), stamp);
  process.stdout.write(`snapshot ${blob} (${((await stat(blob)).size / 1e6).toFixed(1)} MB)\n`);
}

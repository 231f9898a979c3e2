#!/usr/bin/env node
// Builds `rck up`'s V8 startup snapshot (src/cli/up-snapshot.ts) from the compiled dist/:
//   dist/snapshot/up.cjs    the entry and what it imports, bundled by esbuild (a snapshot takes one script)
//   dist/snapshot/up.blob   the heap after evaluating it, made by this node binary
//   dist/snapshot/up.stamp  which node binary (device, inode, size, mtime) and which dist/ it
//                           was made for: bin/rck runs the snapshot only when both still match
// Run by `npm run build` after tsc. A snapshot is tied to the exact node binary that made it.
import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const dist = await realpath(fileURLToPath(new URL('../dist', import.meta.url)));
const out = join(dist, 'snapshot');
const [bundle, blob, stampFile] = ['up.cjs', 'up.blob', 'up.stamp'].map((f) => join(out, f));
await rm(out, { recursive: true, force: true });
await mkdir(out);

await esbuild.build({
  entryPoints: [join(dist, 'cli', 'up-snapshot.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  logLevel: 'warning',
  plugins: [
    {
      // A CommonJS bundle has no import.meta: each module gets its own file's URL, so paths it
      // derives (the supervisor's entry, cli-table3's require) point into this dist/.
      name: 'import-meta-url',
      setup(build) {
        build.onLoad({ filter: /\.js$/ }, async ({ path }) => {
          if (!path.startsWith(`${dist}/`)) return undefined;
          const source = await readFile(path, 'utf8');
          return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)), loader: 'js' };
        });
      },
    },
  ],
});

try {
  await promisify(execFile)(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', bundle], { cwd: out });
} catch (err) {
  // Node warns that child_process and module are "not yet fully verified" in a snapshot:
  // up loads them at build time but uses them only at run time. Anything else is a failure.
  process.stderr.write(`build-up-snapshot: ${err.stderr || err.message}\n`);
  await rm(out, { recursive: true, force: true });
  process.exit(1);
}

const node = await stat(process.execPath);
// The form bin/rck compares with: `stat -L -c '%d %i %s %Y' node` and the dist directory.
await writeFile(stampFile, `${node.dev} ${node.ino} ${node.size} ${Math.floor(node.mtimeMs / 1000)} ${dist}\n`);
const { size } = await stat(blob);
process.stdout.write(`built ${blob} (${(size / 1e6).toFixed(1)} MB) for ${process.execPath} ${process.version}\n`);

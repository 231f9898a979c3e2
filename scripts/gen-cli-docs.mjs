#!/usr/bin/env node
// Writes docs/cli.md from the command definitions (run after `npm run build`):
// `npm run docs:cli`. test/unit/cli-reference.test.ts fails when the committed file differs.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const dist = (p) => new URL(`../dist/cli/${p}`, import.meta.url).href;
const { buildProgram } = await import(dist('program.js'));
const { renderCliReference } = await import(dist('reference.js'));
const target = fileURLToPath(new URL('../docs/cli.md', import.meta.url));
await writeFile(target, renderCliReference(await buildProgram([])));
console.log(`wrote ${target}`);

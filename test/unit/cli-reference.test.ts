// docs/cli.md is generated from the command definitions; this fails when it was not
// regenerated after a command, argument or option changed (fix: `npm run docs:cli`).
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { renderCliReference } from '../../src/cli/reference.js';

describe('docs/cli.md', () => {
  it('is what the command definitions generate (run `npm run docs:cli` after changing a command)', async () => {
    const program = await buildProgram([]);
    const committed = await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const generated = renderCliReference(program);
    expect(committed === generated, 'docs/cli.md differs from the command definitions: run `npm run docs:cli`').toBe(true);
  });

  it('documents every command the program registers, each with its own section', async () => {
    const program = await buildProgram([]);
    const reference = renderCliReference(program);
    const leaves = program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands.map((s) => `${c.name()} ${s.name()}`) : [c.name()]));
    expect(leaves.length).toBeGreaterThanOrEqual(24);
    for (const name of leaves) expect(reference).toContain(`## \`rck ${name}\``);
  });
});

// Relative links between the Markdown documents resolve: the file exists and, for a
// #fragment, the target has a heading with that anchor (GitHub's slug rules).
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function documents(): Promise<string[]> {
  const docs = (await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f));
  return [join(root, 'README.md'), join(root, 'ARCHITECTURE.md'), ...docs];
}

/** Markdown without fenced code blocks or code spans, where a "link" is only text. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const headings = markdown.replace(/^```[\s\S]*?^```/gm, '').match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((h) => slug(h.replace(/^#+ /, ''))));
}

describe('links between the documents', () => {
  it('every relative link names a file that exists and a heading that exists in it', async () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of await documents()) {
      const text = await readFile(doc, 'utf8');
      for (const link of links(text)) {
        if (/^[a-z]+:/i.test(link)) continue; // http(s), mailto: not checked offline
        checked++;
        const [path = '', fragment] = link.split('#');
        const target = path === '' ? doc : resolve(dirname(doc), path);
        const exists = await stat(target).then(
          () => true,
          () => false,
        );
        const where = `${relative(root, doc)}: (${link})`;
        if (!exists) broken.push(`${where}: no such file`);
        else if (fragment !== undefined && target.endsWith('.md') && !anchors(await readFile(target, 'utf8')).has(fragment)) {
          broken.push(`${where}: no heading with anchor #${fragment}`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it('the slug rule gives the anchors GitHub gives', () => {
    expect(slug('`rck up`: nothing to a healthy cluster')).toBe('rck-up-nothing-to-a-healthy-cluster');
    expect(slug('What `scripts/setup.sh` does')).toBe('what-scriptssetupsh-does');
    expect(slug('Kubernetes test tier (`test/k8s`)')).toBe('kubernetes-test-tier-testk8s');
  });
});

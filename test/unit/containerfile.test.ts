/**
 * The Containerfile (docker/podman, RUN steps) and scripts/build-image.sh (buildah, COPY only,
 * what the tests run) must build the same image: same entrypoint, user, working directory,
 * environment and version. RUN cannot execute here, so this compares what both declare;
 * test/k8s/image.test.ts checks the built image itself.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const containerfile = read('Containerfile');
const script = read('scripts/build-image.sh');

/** Instructions of the final stage (after the last FROM), continuation lines joined. */
function finalStage(): Map<string, string[]> {
  const lines = containerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const last = lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  const out = new Map<string, string[]>();
  for (const l of lines.slice(last + 1)) {
    const [op, ...rest] = l.trim().split(' ');
    out.set(op!, [...(out.get(op!) ?? []), rest.join(' ')]);
  }
  return out;
}

describe('Containerfile and build-image.sh', () => {
  const stage = finalStage();
  const flag = (name: string) => [...script.matchAll(new RegExp(`--${name} ('[^']*'|"[^"]*"|\\S+)`, 'g'))].map((m) => m[1]!.replace(/^['"]|['"]$/g, ''));

  it('declare the same entrypoint, user and working directory', () => {
    expect(JSON.parse(stage.get('ENTRYPOINT')![0]!)).toEqual(JSON.parse(flag('entrypoint')[0]!));
    expect(stage.get('USER')).toEqual(flag('user'));
    expect(stage.get('WORKDIR')).toEqual(flag('workingdir'));
  });

  it('set the same environment', () => {
    expect(stage.get('ENV')![0]!.split(' ').sort()).toEqual(flag('env').sort());
  });

  it("label the package's version and start from Node 20 slim", () => {
    expect(stage.get('ARG')).toEqual([`RCK_VERSION=${VERSION}`]);
    expect(containerfile).toMatch(/^ARG NODE_IMAGE=docker\.io\/library\/node:20-bookworm-slim$/m);
    expect(stage.get('LABEL')![0]).toContain('org.opencontainers.image.version="${RCK_VERSION}"');
  });
});

/**
 * What process a container runs. An image mapped to an unpacked OCI image (oci.ts) runs its
 * own entrypoint inside its root filesystem. Otherwise there is no image: a name containing
 * "redis" stands for the local Redis binaries, with the official image's entrypoint rule
 * (arguments that start with "-" or end in ".conf" go to redis-server), and other images must
 * give a command or be mapped to a local entrypoint; executables resolve on this machine.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';

export class UnsupportedContainer extends Error {
  constructor(container: string, why: string) {
    super(`container ${container}: ${why}`);
    this.name = 'UnsupportedContainer';
  }
}

export const isRedisImage = (image: string | undefined) => /redis/i.test(image ?? '');

/** Kubernetes $(VAR) expansion: known variables are replaced, $$ escapes, unknown stay as is. */
export function expandVars(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && env.has(name) ? env.get(name)! : m;
  });
}

/**
 * Stands in for an image's ENTRYPOINT, e.g. { image: /\/rck:/, entrypoint: ['node', '/repo/bin/rck'] },
 * or, with rootfs, is a real image: its entrypoint and paths resolve inside rootfs.path.
 */
export interface ImageEntrypoint {
  image: RegExp;
  entrypoint: string[];
  rootfs?: ImageRootfs;
  /** The image's Env (KEY=value), e.g. a PATH that holds only what the image has. */
  env?: string[];
}

/** An unpacked image and the rest of its config (Cmd, Env, WorkingDir, User). */
export interface ImageRootfs {
  path: string;
  cmd: string[];
  env: string[];
  workingDir: string;
  user: { uid: number; gid: number };
}

export function imageOf(c: V1Container, images: ImageEntrypoint[] = []): ImageEntrypoint | undefined {
  return images.find((m) => m.image.test(c.image ?? ''));
}

/** The argv the container runs, after $(VAR) expansion and mapping to local executables. */
export function containerArgv(c: V1Container, env: ReadonlyMap<string, string>, images: ImageEntrypoint[] = []): string[] {
  const command = (c.command ?? []).map((s) => expandVars(s, env));
  const args = (c.args ?? []).map((s) => expandVars(s, env));
  let argv: string[];
  const mapped = imageOf(c, images);
  // Kubernetes: command replaces ENTRYPOINT (and drops CMD); args replace CMD.
  if (mapped?.rootfs) return command.length > 0 ? [...command, ...args] : [...mapped.entrypoint, ...(c.args ? args : mapped.rootfs.cmd)];
  if (command.length > 0) argv = [...command, ...args];
  else if (mapped) argv = [...mapped.entrypoint, ...args];
  else if (isRedisImage(c.image)) {
    const first = args[0];
    argv = first === undefined ? ['redis-server'] : first.startsWith('-') || first.endsWith('.conf') ? ['redis-server', ...args] : args;
  } else if (args.length > 0) argv = args;
  else throw new UnsupportedContainer(c.name, `image ${c.image} has no known entrypoint; give a command or map the image`);
  return [localExecutable(argv[0]!), ...argv.slice(1)];
}

/** An image path like /usr/local/bin/redis-server that this machine lacks resolves through PATH. */
export function localExecutable(path: string): string {
  return path.startsWith('/') && !existsSync(path) ? basename(path) : path;
}

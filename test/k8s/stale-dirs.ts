/**
 * Work directories are named <prefix>-<pid>-<random>. A run killed with SIGKILL cannot clean
 * up (its processes die with it through the parent-death signal, its directories do not), so
 * each start removes the directories of runs whose process is gone, unless they hold a KEEP file.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export async function removeStaleDirs(parent: string, prefix: string): Promise<void> {
  const pattern = new RegExp(`^${prefix}-(\\d+)-`);
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    const m = pattern.exec(entry);
    if (!m || alive(Number(m[1])) || existsSync(join(parent, entry, 'KEEP'))) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
  }
}

/** A fresh work directory for this process, after sweeping stale ones. */
export async function makeWorkDir(parent: string, prefix: string): Promise<string> {
  await removeStaleDirs(parent, prefix);
  return mkdtemp(join(parent, `${prefix}-${process.pid}-`));
}

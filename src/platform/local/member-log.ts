/** Reading a member's redis.log (the local stand-in for container logs). */
import { open, readFile } from 'node:fs/promises';

/** The last line of the log, cut to 200 characters, for error messages. */
export async function lastLogLine(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const line = text.trimEnd().split('\n').pop()?.trim();
  return line ? line.slice(0, 200) : undefined;
}

/** The last `bytes` of the log, from the first whole line; '' when there is no log. */
export async function logTail(path: string, bytes = 64 * 1024): Promise<string> {
  const f = await open(path, 'r').catch(() => undefined);
  if (!f) return '';
  try {
    const { size } = await f.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await f.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    await f.close();
  }
}

/**
 * Before a graceful stop with persistence off: pause writes for longer than the process
 * can outlive the stop, count the keys, and leave STOPPED_EMPTY_MARKER on the volume when
 * there are none (spec/admission.ts says why). Best effort: no marker is the safe default
 * (the member starts closed and the controller decides).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeAddress } from '../../redis/address.js';
import { connectNode } from '../../redis/connection.js';
import { STOPPED_EMPTY_MARKER } from '../../spec/admission.js';
import type { ConnectionProfile } from '../../redis/profile.js';

export async function markIfStoppedEmpty(addr: NodeAddress, profile: ConnectionProfile, dataDir: string, pauseMs: number): Promise<boolean> {
  const c = await connectNode(addr, { profile, timeoutMs: 500 }).catch(() => undefined);
  if (!c) return false;
  try {
    // Paused until the process ends: no write can land between the count and the stop.
    await c.call('CLIENT', 'PAUSE', String(pauseMs), 'WRITE');
    if ((await c.dbsize()) !== 0) return false;
    await writeFile(join(dataDir, STOPPED_EMPTY_MARKER), '', { mode: 0o600 });
    return true;
  } catch {
    return false; // a closed member cannot count its keys: it stays closed next time
  } finally {
    c.disconnect();
  }
}

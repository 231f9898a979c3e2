/**
 * A barrier for starting several members at once: each reports when its process is
 * spawned (or failed to spawn), and none waits for readiness before all have. Waiting
 * (and loading the Redis client to wait with) would otherwise hold back the spawns
 * still to come, and Redis's 2 s hold on a new master counts from each spawn.
 */
export interface SpawnGate {
  /** Call once per member, whether its spawn succeeded or not. */
  spawned(): void;
  /** Resolves when every member has called spawned(). */
  all: Promise<void>;
}

export function spawnGate(count: number, onAll?: () => void): SpawnGate {
  let left = count;
  let open!: () => void;
  const all = new Promise<void>((resolve) => (open = resolve));
  const done = () => {
    onAll?.();
    open();
  };
  if (count === 0) done();
  return {
    spawned: () => {
      left--;
      if (left === 0) done();
    },
    all,
  };
}

/**
 * Starts the first `firstCount` items at once and the rest once all of those have spawned
 * (so the rest's file work does not come in between). Each start reports to `gate`.
 */
export function firstThenRest<T>(items: readonly T[], firstCount: number, gate: SpawnGate, start: (item: T, gate: SpawnGate) => Promise<void>): Promise<void>[] {
  let release!: () => void;
  const restMayStart = new Promise<void>((resolve) => (release = resolve));
  const firstGate = spawnGate(Math.min(firstCount, items.length), release);
  const first: SpawnGate = {
    spawned: () => {
      gate.spawned();
      firstGate.spawned();
    },
    all: gate.all,
  };
  // A first start that fails before it spawns must not hold the rest back.
  const startFirst = async (item: T) => {
    try {
      await start(item, first);
    } catch (err) {
      release();
      throw err;
    }
  };
  return items.map((item, i) => (i < firstCount ? startFirst(item) : restMayStart.then(() => start(item, gate))));
}

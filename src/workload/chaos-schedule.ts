/**
 * The chaos schedule: which faults `rck bench chaos` injects, on what, and when.
 * Pure and seeded: the same seed, fault count, kinds and cluster shape always give
 * the same schedule. Member faults name their target by role and index ("master 1",
 * the second master in ordinal order when the fault is applied), because failovers
 * move roles between members while the run goes on; the executor resolves it.
 */

/** Faults on one member. */
export const MEMBER_FAULT_KINDS = ['kill', 'crash', 'freeze', 'restart', 'lose-volume'] as const;
export type MemberFaultKind = (typeof MEMBER_FAULT_KINDS)[number];

export const FAULT_KINDS = [...MEMBER_FAULT_KINDS, 'supervisor-kill', 'reshard', 'double'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What one kind does, for help texts. */
export const FAULT_KIND_HELP: Record<FaultKind, string> = {
  kill: 'rck kill: SIGKILL, re-created with its volume on a new address',
  crash: "SIGKILL of the member's redis-server: the supervisor restarts it in place",
  freeze: 'SIGSTOP for longer than cluster-node-timeout, then SIGCONT',
  restart: 'rck restart: graceful, a master hands over first',
  'supervisor-kill': 'SIGKILL of the supervisor, then `rck up --detach`',
  'lose-volume': 'rck kill --lose-volume: re-created with an empty volume',
  reshard: 'move slots between two masters with the engine while the workload runs',
  double: 'two of the member faults or a reshard at once, on different members',
};

export type Role = 'master' | 'replica';

/** A member by role: the `index`-th (mod how many there are) member holding `role`, in ordinal order. */
export interface RoleTarget {
  role: Role;
  index: number;
}

export type FaultAction =
  | { kind: Exclude<MemberFaultKind, 'freeze'>; target: RoleTarget }
  | { kind: 'freeze'; target: RoleTarget; freezeMs: number }
  /** Moves `slots` slots from master `from` to master `to` (indexes among the masters). */
  | { kind: 'reshard'; from: number; to: number; slots: number }
  | { kind: 'supervisor-kill' };

export interface ScheduledFault {
  /** 1-based position in the run. */
  number: number;
  kind: FaultKind;
  /** Steady workload before the fault, once the cluster is Ready again. */
  pauseMs: number;
  /** One action, or two for `double`: the second starts `offsetMs` after the first. */
  actions: FaultAction[];
  offsetMs: number;
}

export interface ScheduleRequest {
  seed: number;
  faults: number;
  /** The cluster's members and their roles now; only how many hold each role matters. */
  members: ReadonlyArray<{ name: string; role?: Role }>;
  /** Kinds to draw from (default: all of them). */
  kinds?: readonly FaultKind[];
  /** cluster-node-timeout, which a freeze must outlast. */
  nodeTimeoutMs: number;
}

/** Kinds a `double` combines. */
const DOUBLE_PARTS: readonly FaultKind[] = [...MEMBER_FAULT_KINDS, 'reshard'];

/** Largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffffffff;

export function generateChaosSchedule(req: ScheduleRequest): ScheduledFault[] {
  const kinds = [...new Set(req.kinds ?? FAULT_KINDS)];
  if (kinds.length === 0) throw new RangeError('no fault kinds to draw from');
  for (const k of kinds) if (!FAULT_KINDS.includes(k)) throw new RangeError(`unknown fault kind "${k}"`);
  if (!Number.isInteger(req.seed) || req.seed < 0 || req.seed > MAX_SEED) throw new RangeError(`seed ${req.seed}: expected an integer 0..${MAX_SEED}`);
  if (!Number.isInteger(req.faults) || req.faults < 0) throw new RangeError(`fault count ${req.faults}: expected an integer >= 0`);
  const masters = req.members.filter((m) => m.role === 'master').length;
  const replicas = req.members.filter((m) => m.role === 'replica').length;
  if (masters < 3) throw new RangeError(`${masters} master(s) answer: a chaos schedule needs the cluster's 3 or more`);
  const parts = kinds.filter((k) => DOUBLE_PARTS.includes(k));
  const doubleParts = parts.length > 0 ? parts : DOUBLE_PARTS;
  const rng = seededRandom(req.seed);
  const shape: Shape = { masters, replicas, nodeTimeoutMs: req.nodeTimeoutMs };

  const out: ScheduledFault[] = [];
  for (let n = 1; n <= req.faults; n++) {
    const kind = pick(rng, kinds);
    const pauseMs = between(rng, 1000, 4000);
    if (kind === 'double') {
      const first = memberOrReshard(rng, pick(rng, doubleParts), shape, []);
      // A reshard touches two masters: a second one needs two more (4+ masters).
      const fits = (k: FaultKind) => k !== 'reshard' || first.kind !== 'reshard' || shape.masters >= 4;
      const secondParts = doubleParts.filter(fits).length > 0 ? doubleParts.filter(fits) : DOUBLE_PARTS.filter(fits);
      const second = memberOrReshard(rng, pick(rng, secondParts), shape, [first]);
      out.push({ number: n, kind, pauseMs, actions: [first, second], offsetMs: between(rng, 0, 500) });
    } else if (kind === 'supervisor-kill') {
      out.push({ number: n, kind, pauseMs, actions: [{ kind }], offsetMs: 0 });
    } else {
      out.push({ number: n, kind, pauseMs, actions: [memberOrReshard(rng, kind, shape, [])], offsetMs: 0 });
    }
  }
  return out;
}

interface Shape {
  masters: number;
  replicas: number;
  nodeTimeoutMs: number;
}

/** One member fault or reshard that touches none of the members `taken` touches. */
function memberOrReshard(rng: () => number, kind: FaultKind, shape: Shape, taken: FaultAction[]): FaultAction {
  const busy = taken.flatMap(touched);
  const free = (t: RoleTarget) => !busy.some((b) => b.role === t.role && b.index === t.index);
  if (kind === 'reshard') {
    const candidates = range(shape.masters).filter((i) => free({ role: 'master', index: i })); // >= 2 of >= 3 masters
    const from = pick(rng, candidates);
    const to = pick(
      rng,
      candidates.filter((i) => i !== from),
    );
    return { kind, from, to, slots: between(rng, 16, 512) };
  }
  const masters = range(shape.masters)
    .map((index) => ({ role: 'master' as const, index }))
    .filter(free);
  const replicas = range(shape.replicas)
    .map((index) => ({ role: 'replica' as const, index }))
    .filter(free);
  // Half the faults hit a master (where they matter most), half a replica, when there are replicas.
  const target = pick<RoleTarget>(rng, replicas.length > 0 && (masters.length === 0 || rng() < 0.5) ? replicas : masters);
  if (kind === 'freeze') return { kind, target, freezeMs: Math.round(shape.nodeTimeoutMs * (1.2 + rng() * 1.3)) };
  return { kind: kind as Exclude<MemberFaultKind, 'freeze'>, target };
}

/** The role targets an action touches (a reshard: both its masters). */
export function touched(a: FaultAction): RoleTarget[] {
  if (a.kind === 'supervisor-kill') return [];
  if (a.kind === 'reshard')
    return [
      { role: 'master', index: a.from },
      { role: 'master', index: a.to },
    ];
  return [a.target];
}

/** `kill master 1`, `freeze replica 0 for 1500 ms`, `reshard 40 slots master 0 -> master 2`. */
export function describeAction(a: FaultAction): string {
  switch (a.kind) {
    case 'supervisor-kill':
      return 'supervisor-kill';
    case 'reshard':
      return `reshard ${a.slots} slots master ${a.from} -> master ${a.to}`;
    case 'freeze':
      return `freeze ${a.target.role} ${a.target.index} for ${a.freezeMs} ms`;
    default:
      return `${a.kind} ${a.target.role} ${a.target.index}`;
  }
}

export function describeFault(f: ScheduledFault): string {
  const what = f.actions.map(describeAction).join(f.offsetMs ? ` + ${f.offsetMs} ms later ` : ' + at once ');
  return `#${f.number} after ${(f.pauseMs / 1000).toFixed(1)} s: ${f.kind === 'double' ? `double: ${what}` : what}`;
}

/** Parses `--kinds kill,restart` (case-insensitive); `all` is every kind. */
export function parseFaultKinds(text: string): FaultKind[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...FAULT_KINDS];
  const bad = names.filter((n) => !FAULT_KINDS.includes(n as FaultKind));
  if (names.length === 0 || bad.length > 0)
    throw new RangeError(`unknown fault kind(s) ${bad.map((b) => `"${b}"`).join(', ') || '(none given)'}: expected ${FAULT_KINDS.join(', ')} or all`);
  return names as FaultKind[];
}

/** mulberry32: a small, fast, well-mixed 32-bit generator; values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('nothing to pick from');
  return items[Math.floor(rng() * items.length)]!;
}

/** An integer in [lo, hi]. */
function between(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Which server a node runs (Redis or Valkey, and its real version) and the named
 * capabilities rck's behaviour branches on. Pure: read from INFO server (or a
 * binary's --version line), never from `redis_version` alone, which Valkey 8 sets
 * to 7.2.4 for compatibility. Code asks `caps.setslotReplicates`, never a version.
 */

export type EngineName = 'redis' | 'valkey';

export interface Engine {
  name: EngineName;
  /** The engine's own version (valkey_version on Valkey). */
  version: string;
}

export interface Capabilities {
  /**
   * CLUSTER SETSLOT is replicated to the master's replicas first and blocks until they
   * acknowledge it (TIMEOUT argument; NOREPLICAS when they do not). Blocking inside a Lua
   * script crashes the server (Valkey 8.0.1: script.c:586 'c->flag.blocked == 0'): never
   * run SETSLOT in a script on such a node.
   */
  setslotReplicates: boolean;
  /** Replicas carry their master's migrating/importing states (shown on their own CLUSTER NODES line). */
  replicaSlotStates: boolean;
  /** CLUSTER SHARDS exists (Redis 7.0+). */
  clusterShards: boolean;
  /** How long CLUSTER FORGET keeps a node id from being re-added by gossip, in seconds. */
  forgetBanSeconds: number;
}

/** Redis 7.0, the oldest engine rck supports: what is assumed when a node's INFO says nothing more. */
export const BASELINE_CAPABILITIES: Capabilities = { setslotReplicates: false, replicaSlotStates: false, clusterShards: true, forgetBanSeconds: 60 };

/** From INFO server's fields: `server_name` and `valkey_version` name Valkey; else Redis's `redis_version`. */
export function engineFromInfo(info: ReadonlyMap<string, string>): Engine | undefined {
  const valkey = info.get('valkey_version');
  if (info.get('server_name') === 'valkey' || valkey) return { name: 'valkey', version: valkey ?? info.get('redis_version') ?? 'unknown' };
  const redis = info.get('redis_version');
  return redis ? { name: 'redis', version: redis } : undefined;
}

/** From `<binary> --version`: "Redis server v=7.2.6 ..." or "Valkey server v=8.0.1 ...". */
export function engineFromVersionLine(line: string): Engine | undefined {
  const m = /^(Redis|Valkey) server v=(\d+\.\d+\.\d+)/m.exec(line);
  return m ? { name: m[1]!.toLowerCase() as EngineName, version: m[2]! } : undefined;
}

/** `forgetBanSeconds`: CONFIG GET cluster-blacklist-ttl where the engine has it (Valkey). */
export function capabilitiesOf(engine: Engine | undefined, forgetBanSeconds?: number): Capabilities {
  if (!engine) return BASELINE_CAPABILITIES;
  const valkey8 = engine.name === 'valkey' && atLeast(engine.version, 8, 0);
  return {
    setslotReplicates: valkey8,
    replicaSlotStates: valkey8,
    clusterShards: atLeast(engine.version, 7, 0) || engine.name === 'valkey',
    forgetBanSeconds: forgetBanSeconds ?? 60,
  };
}

/** "redis 7.2.6", "valkey 8.0.1". */
export function engineLabel(engine: Engine | undefined): string {
  return engine ? `${engine.name} ${engine.version}` : 'unknown engine';
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

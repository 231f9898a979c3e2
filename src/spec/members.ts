/**
 * Plain facts derived from a spec, without the schema library, so the supervisor
 * process (memory budget 80 MB) does not load zod.
 */

/** The parts of a spec these facts read (structural, so this module need not import the schema). */
interface ShapeFacts {
  masters: number;
  replicasPerMaster: number;
}
interface ConfigFacts {
  redis: { config: Record<string, unknown> };
}

/** The seed's ConfigMap settings that are tunable (the rest are owned, see owned-settings.ts). */
export const SEED_REDIS_CONFIG: Record<string, string> = {
  'cluster-node-timeout': '5000',
};

/** Number of members (pods) the spec asks for. */
export function memberCount(spec: ShapeFacts): number {
  return spec.masters * (1 + spec.replicasPerMaster);
}

/** `<name>-<ordinal>`, as a StatefulSet names its pods. */
export function memberName(cluster: string, ordinal: number): string {
  return `${cluster}-${ordinal}`;
}

/** cluster-node-timeout in ms as the rendered redis.conf sets it. */
export function nodeTimeoutMs(spec: ConfigFacts): number {
  const v = Number(spec.redis.config['cluster-node-timeout'] ?? SEED_REDIS_CONFIG['cluster-node-timeout']);
  return Number.isFinite(v) && v > 0 ? v : 5000;
}

import { describe, expect, it } from 'vitest';
import { capabilitiesOf, engineFromInfo, engineFromVersionLine } from '../../src/topology/engine.js';
import { parseInfo } from '../../src/topology/info.js';

// INFO server excerpts as the engines print them (Valkey 8.0.1 keeps redis_version at 7.2.4).
const VALKEY_8 = '# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nredis_git_sha1:00000000\r\n';
const REDIS_72 = '# Server\r\nredis_version:7.2.6\r\nredis_git_sha1:00000000\r\nredis_mode:cluster\r\n';
const REDIS_70 = '# Server\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\n';

describe('engine and capabilities', () => {
  it('names Valkey by server_name/valkey_version, not by its redis_version', () => {
    expect(engineFromInfo(parseInfo(VALKEY_8))).toEqual({ name: 'valkey', version: '8.0.1' });
    expect(engineFromInfo(parseInfo(REDIS_72))).toEqual({ name: 'redis', version: '7.2.6' });
    expect(engineFromInfo(parseInfo(REDIS_70))).toEqual({ name: 'redis', version: '7.0.15' });
    expect(engineFromInfo(parseInfo('# Server\r\n'))).toBeUndefined();
  });

  it('reads the binary --version line of each engine', () => {
    expect(engineFromVersionLine('Valkey server v=8.0.1 sha=00000000:1 malloc=jemalloc-5.3.0 bits=64 build=ea0d8d97c3580c53\n')).toEqual({
      name: 'valkey',
      version: '8.0.1',
    });
    expect(engineFromVersionLine('Redis server v=7.2.6 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=6b20d85f7474fb90\n')).toEqual({
      name: 'redis',
      version: '7.2.6',
    });
    expect(engineFromVersionLine('KeyDB server v=6.3.4')).toBeUndefined();
  });

  it('only Valkey 8 replicates SETSLOT and keeps slot states on replicas; the forget ban is read where it is configurable', () => {
    const caps = (info: string, ban?: number) => capabilitiesOf(engineFromInfo(parseInfo(info)), ban);
    expect(caps(VALKEY_8, 30)).toEqual({ setslotReplicates: true, replicaSlotStates: true, clusterShards: true, forgetBanSeconds: 30 });
    expect(caps(REDIS_72)).toEqual({ setslotReplicates: false, replicaSlotStates: false, clusterShards: true, forgetBanSeconds: 60 });
    expect(caps(REDIS_70)).toEqual({ setslotReplicates: false, replicaSlotStates: false, clusterShards: true, forgetBanSeconds: 60 });
    expect(capabilitiesOf({ name: 'valkey', version: '7.2.5' }).setslotReplicates).toBe(false);
  });
});

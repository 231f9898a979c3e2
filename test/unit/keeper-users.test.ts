import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { renderMemberConf } from '../../src/spec/redis-conf.js';
import { admitSteps } from '../../src/spec/keeper-users.js';
import { unsupportedOnKubernetes } from '../../src/spec/kubernetes.js';

const base = { sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7000, dataDir: '/d', password: 'pw' };
const keeper = { admin: 'apw', replication: 'rpw' };

describe("rck's own users (spec/keeper-users.ts)", () => {
  it('an open member: rck-admin with every command, rck-replication with PSYNC/REPLCONF/PING only, and masteruser/masterauth naming it', () => {
    const lines = renderMemberConf({ ...base, keeper }).split('\n');
    expect(lines).toContain('user rck-admin on >apw ~* &* +@all');
    expect(lines).toContain('user rck-replication on >rpw resetchannels -@all +psync +replconf +ping');
    expect(lines).toContain('masteruser rck-replication');
    expect(lines).toContain('masterauth rpw');
    expect(lines).toContain('requirepass pw');
    expect(lines.filter((l) => l.startsWith('masterauth'))).toHaveLength(1);
  });

  it('a closed member: rck-admin without @read/@write/PSYNC, rck-replication off, the default user closed', () => {
    const lines = renderMemberConf({ ...base, keeper, closed: true }).split('\n');
    expect(lines).toContain('user rck-admin on >apw ~* &* +@all -@read -@write -psync -sync -replconf');
    expect(lines).toContain('user rck-replication off >rpw resetchannels -@all +psync +replconf +ping');
    expect(lines.some((l) => l.startsWith('user default on >pw') && l.includes('-psync'))).toBe(true);
  });

  it('the default user off: one line that leaves it no password and no command, and no requirepass', () => {
    const lines = renderMemberConf({ ...base, keeper, defaultUserOff: true }).split('\n');
    expect(lines).toContain('user default off resetpass resetkeys resetchannels -@all');
    expect(lines.some((l) => l.startsWith('requirepass'))).toBe(false);
    // Closed or not, it stays off.
    expect(renderMemberConf({ ...base, keeper, defaultUserOff: true, closed: true }).split('\n')).toContain('user default off resetpass resetkeys resetchannels -@all');
  });

  it('admitting opens the default user, replication, spec users, and rck-admin last; a user the member lacks is not created', () => {
    expect(admitSteps(['default', 'rck-admin', 'rck-replication', 'app'], { defaultUserOn: true, users: ['app', 'gone'] })).toEqual([
      ['default', '+@all'],
      ['rck-replication', 'on'],
      ['app', 'on'],
      ['rck-admin', '+@all'],
    ]);
    expect(admitSteps(['default', 'rck-admin', 'rck-replication'], { defaultUserOn: false, users: [] })).toEqual([
      ['rck-replication', 'on'],
      ['rck-admin', '+@all'],
    ]);
    // A cluster made before the keeper's users: only the default user.
    expect(admitSteps(['default'], { defaultUserOn: true, users: [] })).toEqual([['default', '+@all']]);
  });

  it('the spec refuses: defaultUser off without auth, defaultUser off without users, and the reserved names (4 refusals)', () => {
    expect(() => parseSpec('spec: {auth: {enabled: false, defaultUser: "off", users: [{name: a, rules: "~*"}]}}')).toThrow(
      /spec\.auth\.defaultUser: off needs spec\.auth\.enabled: true/,
    );
    expect(() => parseSpec('spec: {auth: {defaultUser: "off"}}')).toThrow(/spec\.auth\.defaultUser: off needs at least one user/);
    expect(() => parseSpec('spec: {auth: {users: [{name: rck-admin, rules: "~*"}]}}')).toThrow(/spec\.auth\.users\.0\.name: is one of rck's own users/);
    expect(() => parseSpec('spec: {auth: {users: [{name: rck-replication, rules: "~*"}]}}')).toThrow(/spec\.auth\.users\.0\.name: is one of rck's own users/);
    expect(parseSpec('{}').spec.auth.defaultUser).toBe('on');
  });

  it('Kubernetes takes users whose names can name a Secret, or that bring their own', () => {
    expect(unsupportedOnKubernetes({ auth: { users: [{ name: 'app-1' }] } })).toBeUndefined();
    expect(unsupportedOnKubernetes({ auth: { users: [{ name: 'x_y', passwordSecret: 'x-y' }] } })).toBeUndefined();
    expect(unsupportedOnKubernetes({ auth: { users: [{ name: 'x_y' }] } })).toMatch(/^spec\.auth\.users\[0\]\.name: "x_y" cannot name its Secret/);
  });
});

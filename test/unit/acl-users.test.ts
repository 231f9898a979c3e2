import { describe, expect, it } from 'vitest';
import { judgeCheckOutput } from '../../src/platform/local/conf-check.js';
import { parseSpec } from '../../src/spec/load.js';
import { renderCheckConf, renderMemberConf } from '../../src/spec/redis-conf.js';
import { desiredShape } from '../../src/spec/desired-shape.js';

const users = (yaml: string) => parseSpec(`spec:\n  auth:\n    users: ${yaml}\n`).spec.auth.users;

describe('spec.auth.users', () => {
  it('defaults to none', () => {
    expect(parseSpec('{}').spec.auth.users).toEqual([]);
  });

  it.each(['~* >secret', '~* <old', '~* #5e88', 'nopass ~*', '~* resetpass', 'reset ~*', '~* !abc'])('rules %j that set a password are refused, without echoing them', (rules) => {
    let msg = '';
    try {
      users(`[{name: r, rules: ${JSON.stringify(rules)}}]`);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/spec\.auth\.users\.0\.rules: must not set passwords/);
    expect(msg).toContain('(value not shown)');
    expect(msg).not.toContain(rules);
  });

  it('refuses the default user, a bad name and a duplicate (3 refusals)', () => {
    expect(() => users('[{name: default, rules: "~*"}]')).toThrow(/spec\.auth\.users\.0\.name: the default user is spec\.auth\.enabled/);
    expect(() => users('[{name: "a b", rules: "~*"}]')).toThrow(/spec\.auth\.users\.0\.name: must be 1-64 letters/);
    expect(() => users('[{name: a, rules: "~*"}, {name: a, rules: "~*"}]')).toThrow(/spec\.auth\.users\.1\.name: duplicate user "a"/);
  });

  it("renders each user as a `user` line of the member's conf, with its password; none renders nothing", () => {
    const base = { sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7000, dataDir: '/d', password: 'pw' };
    const conf = renderMemberConf({ ...base, users: [{ name: 'reader', rules: '~* +@read', password: 'rpw' }] });
    expect(conf.split('\n')).toContain('user reader on >rpw ~* +@read');
    expect(renderMemberConf({ ...base, users: [] })).toBe(renderMemberConf(base));
  });

  it('a member that starts closed has its users off (the controller turns them on when it admits it)', () => {
    const base = { sharedConfPath: '/s/redis.conf', host: '127.0.0.1', port: 7000, dataDir: '/d', password: 'pw', closed: true };
    const lines = renderMemberConf({ ...base, users: [{ name: 'writer', rules: '~* +@all on', password: 'wpw' }] }).split('\n');
    expect(lines).toContain('user writer off >wpw ~* +@all on off');
    expect(desiredShape(parseSpec('spec:\n  auth:\n    users: [{name: writer, rules: "~*"}]\n').spec).aclUsers).toEqual(['writer']);
    expect(desiredShape(parseSpec('{}').spec).aclUsers).toBeUndefined();
  });

  it('the throwaway check loads the users with a placeholder password and names the rules field Redis rejects', () => {
    const spec = parseSpec('spec:\n  auth:\n    users: [{name: a, rules: "~*"}, {name: r, rules: "~* +nosuchcmd"}]\n').spec;
    const check = renderCheckConf(spec, '/tmp/c');
    expect(check.text.split('\n')).toContain('user r on >rck-check ~* +nosuchcmd');
    const output = "1:C 01 Dec 2026 13:55:00.000 # Error loading ACL rule '+nosuchcmd' for the user named 'r': Unknown command or category name in ACL\n";
    expect(judgeCheckOutput(output, check.sources, [], ['a', 'r'])?.field).toBe('spec.auth.users[1].rules');
  });
});

import { describe, expect, it } from 'vitest';
import { RespError, encode, parseReply } from '../../src/redis/raw-pipeline.js';
import { describe as describeProgress } from '../../src/cli/progress-bar.js';

describe('raw RESP pipeline', () => {
  it('encodes strings and binary buffers byte-exactly', () => {
    const bin = Buffer.from([0xff, 0x00, 0x0d, 0x0a]);
    expect(encode([['SET', 'k€', 'v'], ['MIGRATE', bin]]).equals(Buffer.concat([
      Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\nk€\r\n$1\r\nv\r\n*2\r\n$7\r\nMIGRATE\r\n$4\r\n'),
      bin,
      Buffer.from('\r\n'),
    ]))).toBe(true);
  });

  it('parses every reply type and waits for incomplete ones', () => {
    const buf = Buffer.from('+OK\r\n-ERR no\r\n:42\r\n$-1\r\n*2\r\n$2\r\nab\r\n$0\r\n\r\n');
    const out = [];
    let pos = 0;
    for (let r = parseReply(buf, pos); r; r = parseReply(buf, pos)) {
      out.push(r.value);
      pos = r.end;
    }
    expect(out[0]).toBe('OK');
    expect(out[1]).toBeInstanceOf(RespError);
    expect((out[1] as RespError).message).toBe('ERR no');
    expect(out.slice(2, 4)).toEqual([42, null]);
    expect(out[4]).toEqual([Buffer.from('ab'), Buffer.from('')]);
    expect(parseReply(Buffer.from('*2\r\n$2\r\nab\r\n$3\r\nx'), 0)).toBeUndefined();
  });
});

describe('progress line', () => {
  it('shows the bar, counts, rate and ETA', () => {
    expect(describeProgress({ slotsDone: 10, slotsTotal: 40, keysDone: 500, keysTotal: 1000 }, 1000, 10)).toBe(
      '[#####-----]  50%  10/40 slots  500/1000 keys  500 keys/s  ETA 1.0s',
    );
    expect(describeProgress({ slotsDone: 4, slotsTotal: 4, keysDone: 0, keysTotal: 0 }, 2000, 0)).toBe('100%  4/4 slots  0/0 keys  0 keys/s  done in 2.0s');
  });
});

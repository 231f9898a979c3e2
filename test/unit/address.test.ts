import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../src/redis/address.js';

describe('parseAddress', () => {
  it('parses host:port, bare ports and IPv6', () => {
    expect(parseAddress('10.0.0.1:6379')).toEqual({ host: '10.0.0.1', port: 6379 });
    expect(parseAddress('7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseAddress('localhost:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseAddress('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    expect(formatAddress({ host: '::1', port: 7000 })).toBe('[::1]:7000');
  });
  it('rejects bad input with the value at fault', () => {
    expect(() => parseAddress('nohost')).toThrow(/"nohost"/);
    expect(() => parseAddress('h:0')).toThrow(/port/);
    expect(() => parseAddress('h:60000')).toThrow(/55535/);
  });
});

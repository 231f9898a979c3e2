import { describe, expect, it } from 'vitest';
import { ClusterNodesParseError, parseClusterNodes, parseNodeLine } from '../../src/topology/cluster-nodes.js';

// Ids from a real Redis 7.0.15 cluster (ports 46100-46104); the lines below are
// what CLUSTER NODES printed there, except the hand-written fail/noaddr ones.
const N0 = 'eeaeae525581ca4d334402cdb2ad16d519911b4f';
const N1 = 'ddf7a5315a57acc741c7a960ca1500ecd2e159fb';
const N2 = '91c40b51bfc99f1c0cfa515dbecddb7ad1a16b5d';
const N3 = '8131bb78214dbf35d2bbbc8c925bb6f51e36727f';

// As node 46100 saw the cluster during a migration of slot 100 to node 46101
// (46100 had also dropped slot 5000). Redis separates lines with "\n".
const FROM_N0 = [
  `${N1} 127.0.0.1:46101@56101,node-b.example master - 0 1796097284016 1 connected 5461-10922`,
  `${N0} 127.0.0.1:46100@56100 myself,master - 0 1796097284000 0 connected 0-4999 5001-5460 [100->-${N1}]`,
  `${N2} 127.0.0.1:46102@56102 master - 0 1796097284618 3 connected 10923-16383`,
  `${N3} 127.0.0.1:46103@56103 slave ${N0} 0 1796097284217 0 connected`,
  '',
].join('\n');

const byId = (text: string, id: string) => parseClusterNodes(text).find((l) => l.id === id)!;

describe('parseClusterNodes', () => {
  it('reads one entry per non-empty line, in the order Redis printed them', () => {
    expect(parseClusterNodes(FROM_N0).map((l) => l.id)).toEqual([N1, N0, N2, N3]);
  });

  it('reads the myself master line: address, bus port, flags, epoch, slot ranges and a migrating slot', () => {
    expect(byId(FROM_N0, N0)).toEqual({
      id: N0,
      host: '127.0.0.1',
      port: 46100,
      busPort: 56100,
      hostname: undefined,
      flags: ['myself', 'master'],
      myself: true,
      role: 'master',
      masterId: undefined,
      pingSent: 0,
      pongReceived: 1796097284000,
      configEpoch: 0,
      linkState: 'connected',
      slots: [
        { start: 0, end: 4999 },
        { start: 5001, end: 5460 },
      ],
      migrating: new Map([[100, N1]]),
      importing: new Map(),
    });
  });

  it('reads a replica line: role replica, its master id, no slots, not myself', () => {
    const r = byId(FROM_N0, N3);
    expect(r).toMatchObject({ role: 'replica', masterId: N0, myself: false, flags: ['slave'], slots: [], port: 46103, busPort: 56103 });
  });

  it('splits off the hostname after the bus port (ip:port@bus,hostname)', () => {
    expect(byId(FROM_N0, N1)).toMatchObject({ host: '127.0.0.1', port: 46101, busPort: 56101, hostname: 'node-b.example' });
  });

  it("reads an importing slot [slot-<-id] on the importing node's own line", () => {
    const line = `${N1} 127.0.0.1:46101@56101,node-b.example myself,master - 0 1796097284000 1 connected 5461-10922 [100-<-${N0}]`;
    const l = parseNodeLine(line);
    expect(l.importing).toEqual(new Map([[100, N0]]));
    expect(l.migrating.size).toBe(0);
    // The open slot is not an owned range.
    expect(l.slots).toEqual([{ start: 5461, end: 10922 }]);
  });

  it('reads single slots as one-slot ranges, mixed with ranges', () => {
    const l = parseNodeLine(`${N0} 127.0.0.1:7000@17000 myself,master - 0 0 4 connected 0 7 10-20 16383`);
    expect(l.slots).toEqual([
      { start: 0, end: 0 },
      { start: 7, end: 7 },
      { start: 10, end: 20 },
      { start: 16383, end: 16383 },
    ]);
  });

  it('reads pfail (fail?) and a disconnected link with non-zero ping-sent', () => {
    const l = parseNodeLine(`${N2} 127.0.0.1:46102@56102 master,fail? - 1796097309075 1796097308270 3 disconnected 10923-16383`);
    expect(l).toMatchObject({ flags: ['master', 'fail?'], role: 'master', pingSent: 1796097309075, pongReceived: 1796097308270, linkState: 'disconnected' });
    expect(l.slots).toEqual([{ start: 10923, end: 16383 }]);
  });

  it('reads fail and noaddr: empty host, port 0', () => {
    const l = parseNodeLine(`${N2} :0@0 master,fail,noaddr - 1796097309075 1796097308270 3 disconnected`);
    expect(l).toMatchObject({ host: '', port: 0, busPort: 0, flags: ['master', 'fail', 'noaddr'], role: 'master', linkState: 'disconnected' });
  });

  it('reads a replica that failed (slave,fail) as a replica', () => {
    const l = parseNodeLine(`${N3} 127.0.0.1:46103@56103 slave,fail ${N0} 1796097309075 1796097308270 5 disconnected`);
    expect(l).toMatchObject({ role: 'replica', masterId: N0, flags: ['slave', 'fail'] });
  });

  it('reads a handshake entry (random id, no role flag) as a master with no master id', () => {
    const l = parseNodeLine('2c0b747d91cbea872b58194c8394aaa2af748bc3 127.0.0.1:46199@56199 handshake - 0 0 0 disconnected');
    expect(l).toMatchObject({ flags: ['handshake'], role: 'master', masterId: undefined, port: 46199, configEpoch: 0, linkState: 'disconnected' });
  });

  it('reads a fresh node that does not know its own ip yet (:port@bus)', () => {
    const l = parseNodeLine('cec08828900743c68857439852c265bdc02027a4 :46105@56105 myself,master - 0 0 0 connected');
    expect(l).toMatchObject({ host: '', port: 46105, busPort: 56105, myself: true, slots: [] });
  });

  it('keeps an IPv6 host whole (not bracketed in CLUSTER NODES)', () => {
    const l = parseNodeLine(`${N0} ::1:7000@17000 master - 0 0 1 connected`);
    expect(l).toMatchObject({ host: '::1', port: 7000, busPort: 17000 });
  });

  it('takes no hostname from an empty one, and only the hostname when aux fields follow (7.2+)', () => {
    expect(parseNodeLine(`${N0} 127.0.0.1:7000@17000, master - 0 0 1 connected`).hostname).toBeUndefined();
    expect(parseNodeLine(`${N0} 127.0.0.1:7000@17000,h0,shard-id=abc master - 0 0 1 connected`).hostname).toBe('h0');
  });

  it('reads the pre-4.0 address without a bus port as bus port 0', () => {
    expect(parseNodeLine(`${N0} 127.0.0.1:7000 master - 0 0 1 connected`)).toMatchObject({ port: 7000, busPort: 0 });
  });

  it('tolerates CRLF line endings', () => {
    expect(parseClusterNodes(FROM_N0.replace(/\n/g, '\r\n')).map((l) => l.linkState)).toEqual(['connected', 'connected', 'connected', 'connected']);
    expect(byId(FROM_N0.replace(/\n/g, '\r\n'), N0).migrating.get(100)).toBe(N1);
  });

  it('rejects a line with fewer than 8 fields, a bad slot and a bad open-slot entry', () => {
    expect(() => parseClusterNodes(`${N0} 127.0.0.1:7000@17000 master - 0 0 1`)).toThrow(ClusterNodesParseError);
    expect(() => parseNodeLine(`${N0} 127.0.0.1:7000@17000 master - 0 0 1 connected 0-x`)).toThrow(/malformed slot "0-x"/);
    for (const bad of ['5-', '9-5', '16384', '-5', '0-16384']) {
      expect(() => parseNodeLine(`${N0} 127.0.0.1:7000@17000 master - 0 0 1 connected ${bad}`), bad).toThrow(`malformed slot "${bad}"`);
    }
    expect(() => parseNodeLine(`${N0} 127.0.0.1:7000@17000 master - 0 0 1 connected [100-?-${N1}]`)).toThrow(/malformed open slot/);
  });
});

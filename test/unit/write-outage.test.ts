import { describe, expect, it } from 'vitest';
import { WriteOutages } from '../../src/workload/write-outage.js';

describe('WriteOutages: from the first unacknowledged send to the next acknowledgement', () => {
  it('a write that timed out (a frozen master) counts from its send, not from its error', () => {
    const o = new WriteOutages();
    o.sent(7, 1000); // hangs; the client gives up at 2000
    o.sent(7, 2500); // retried later, still failing: the outage keeps its start
    o.acked(7, 3200);
    expect(o.longestMs).toBe(2200);
  });

  it('a write the client retried by itself and that succeeded late, with no error, is an outage too', () => {
    const o = new WriteOutages();
    o.sent(1, 0);
    o.acked(1, 900);
    expect(o.longestMs).toBe(900);
  });

  it('ordinary writes add only their latency; keys are independent; the longest is kept', () => {
    const o = new WriteOutages();
    o.sent(1, 0);
    o.sent(2, 1);
    o.acked(1, 3);
    o.acked(2, 1500);
    o.sent(1, 2000);
    o.acked(1, 2002);
    o.acked(3, 5000); // never sent: nothing
    expect(o.longestMs).toBe(1499);
  });

  it('currentMs is the oldest write still unacknowledged, 0 when none', () => {
    const o = new WriteOutages();
    expect(o.currentMs(100)).toBe(0);
    o.sent(1, 100);
    o.sent(2, 50);
    expect(o.currentMs(400)).toBe(350);
    o.acked(2, 400);
    expect(o.currentMs(400)).toBe(300);
    o.acked(1, 401);
    expect(o.currentMs(500)).toBe(0);
  });
});

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { InputError, NodeCheckError } from '../errors.js';

/** Where a Redis node listens for clients. The cluster bus is `port + 10000` unless announced otherwise. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatAddress(a: NodeAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Parses `host:port`, `[v6]:port` or `port` (meaning 127.0.0.1:port). */
export function parseAddress(text: string): NodeAddress {
  const s = text.trim();
  let host: string;
  let portText: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (/^\d+$/.test(s)) {
    host = '127.0.0.1';
    portText = s;
  } else {
    const i = s.lastIndexOf(':');
    if (i <= 0 || s.indexOf(':') !== i) {
      throw new InputError(`invalid node address "${text}": expected host:port`, { subject: text });
    }
    host = s.slice(0, i);
    portText = s.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 55535) {
    // 55535: the cluster bus needs port + 10000 to be a valid port too.
    throw new InputError(`invalid port in "${text}": expected 1..55535`, { subject: text });
  }
  if (host === 'localhost') host = '127.0.0.1';
  return { host, port };
}

/** An IP for a host name: CLUSTER MEET takes addresses, not names. */
export async function resolveIp(host: string): Promise<string> {
  if (isIP(host)) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw new NodeCheckError(`${host}: host name does not resolve`, { subject: host });
  }
}

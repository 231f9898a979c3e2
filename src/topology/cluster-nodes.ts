/**
 * Parser for the reply of CLUSTER NODES: one line per node as the answering
 * node sees it. Open slots ([slot->-id] migrating, [slot-<-id] importing) only
 * ever appear on the answering node's own ("myself") line.
 */
import { SLOT_COUNT, type SlotRange } from './slots.js';

export interface NodeLine {
  id: string;
  /** Empty when the node does not know its own address yet, or for noaddr. */
  host: string;
  port: number;
  busPort: number;
  hostname?: string;
  flags: string[];
  myself: boolean;
  role: 'master' | 'replica';
  masterId?: string;
  pingSent: number;
  pongReceived: number;
  configEpoch: number;
  linkState: 'connected' | 'disconnected';
  slots: SlotRange[];
  /** slot -> id of the node the slot is migrating to */
  migrating: Map<number, string>;
  /** slot -> id of the node the slot is imported from */
  importing: Map<number, string>;
}

export class ClusterNodesParseError extends Error {}

export function parseClusterNodes(text: string): NodeLine[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map(parseNodeLine);
}

export function parseNodeLine(line: string): NodeLine {
  const f = line.split(' ');
  if (f.length < 8) throw new ClusterNodesParseError(`malformed CLUSTER NODES line: "${line}"`);
  const [id, addr, flagText, master, ping, pong, epoch, link] = f as [string, string, string, string, string, string, string, string];
  const { host, port, busPort, hostname } = parseNodeAddress(addr);
  const flags = flagText.split(',');
  const out: NodeLine = {
    id,
    host,
    port,
    busPort,
    hostname,
    flags,
    myself: flags.includes('myself'),
    role: flags.includes('slave') ? 'replica' : 'master',
    masterId: master === '-' ? undefined : master,
    pingSent: Number(ping),
    pongReceived: Number(pong),
    configEpoch: Number(epoch),
    linkState: link === 'connected' ? 'connected' : 'disconnected',
    slots: [],
    migrating: new Map(),
    importing: new Map(),
  };
  for (const tok of f.slice(8)) {
    if (tok.startsWith('[')) {
      const m = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(tok);
      if (!m) throw new ClusterNodesParseError(`malformed open slot "${tok}" in: "${line}"`);
      (m[2] === '>' ? out.migrating : out.importing).set(Number(m[1]), m[3]!);
    } else if (tok !== '') {
      // `5` or `5-9`; `5-` or `9-5` is not a range (it used to read as 5-0).
      const m = /^(\d+)(?:-(\d+))?$/.exec(tok);
      const start = Number(m?.[1]);
      const end = m?.[2] === undefined ? start : Number(m[2]);
      if (!m || end < start || end >= SLOT_COUNT) throw new ClusterNodesParseError(`malformed slot "${tok}" in: "${line}"`);
      out.slots.push({ start, end });
    }
  }
  return out;
}

/** `ip:port@cport[,hostname]`; ip may be empty, IPv6 ips are not bracketed. */
function parseNodeAddress(text: string): { host: string; port: number; busPort: number; hostname?: string } {
  const [main, hostname] = text.split(',', 2) as [string, string | undefined];
  const at = main.lastIndexOf('@');
  const hostPort = at >= 0 ? main.slice(0, at) : main;
  const busPort = at >= 0 ? Number(main.slice(at + 1)) : 0;
  const colon = hostPort.lastIndexOf(':');
  return {
    host: hostPort.slice(0, colon),
    port: Number(hostPort.slice(colon + 1)),
    busPort,
    hostname: hostname || undefined,
  };
}

/**
 * A lean RESP2 connection for the slot mover's hot path: a whole pipeline is
 * encoded into one buffer and written at once, replies are parsed straight off
 * the socket, and bulk strings stay Buffers, so binary key names survive a
 * GETKEYSINSLOT -> MIGRATE round trip untouched. The general client costs about
 * 10 us of CPU per command, which on a small machine competes with the very
 * Redis processes doing the moving; this costs about 1.
 */
import { type Socket, createConnection } from 'node:net';
import { NodeCheckError, OperationError } from '../errors.js';
import { type NodeAddress, formatAddress } from './address.js';
import type { ConnectOptions } from './connection.js';

export class RespError extends Error {}

export type RespReply = string | number | Buffer | null | RespError | RespReply[];
export type RespArg = string | Buffer;

interface Pending {
  left: number;
  replies: RespReply[];
  resolve: (r: RespReply[]) => void;
  reject: (e: Error) => void;
}

export class RawConnection {
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: Pending[] = [];
  private closed?: Error;

  private constructor(private readonly socket: Socket, readonly address: NodeAddress, private readonly timeoutMs: number) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static async connect(addr: NodeAddress, opts: ConnectOptions = {}): Promise<RawConnection> {
    const timeoutMs = opts.timeoutMs ?? 3000;
    const socket = createConnection({ host: addr.host, port: addr.port });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new NodeCheckError(`${formatAddress(addr)}: connection timed out`)), timeoutMs);
      socket.once('connect', () => (clearTimeout(t), resolve()));
      socket.once('error', (e) => (clearTimeout(t), reject(new NodeCheckError(`${formatAddress(addr)}: ${e.message}`))));
    });
    const c = new RawConnection(socket, addr, timeoutMs);
    if (opts.password) {
      const [r] = await c.exec([['AUTH', opts.password]]);
      if (r instanceof RespError) {
        c.close();
        throw new NodeCheckError(`${formatAddress(addr)}: authentication failed`);
      }
    }
    return c;
  }

  /** Sends all commands in one write; resolves with one reply per command (errors as RespError values). */
  exec(commands: readonly (readonly RespArg[])[], timeoutMs = this.timeoutMs * 4): Promise<RespReply[]> {
    if (this.closed) return Promise.reject(this.closed);
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      this.queue.push({
        left: commands.length,
        replies: [],
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.socket.write(encode(commands));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(cause: Error): void {
    const where = formatAddress(this.address);
    const e = cause instanceof OperationError ? cause : new OperationError(cause.message.startsWith(where) ? cause.message : `${where}: ${cause.message}`, { subject: where });
    this.closed ??= e;
    for (const p of this.queue.splice(0)) p.reject(e);
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let pos = 0;
    for (;;) {
      const head = this.queue[0];
      if (!head) break;
      const parsed = parseReply(this.buf, pos);
      if (!parsed) break;
      pos = parsed.end;
      head.replies.push(parsed.value);
      if (--head.left === 0) {
        this.queue.shift();
        head.resolve(head.replies);
      }
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }
}

export function encode(commands: readonly (readonly RespArg[])[]): Buffer {
  const parts: Buffer[] = [];
  let text = '';
  for (const cmd of commands) {
    text += `*${cmd.length}\r\n`;
    for (const a of cmd) {
      if (typeof a === 'string') {
        text += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
      } else {
        text += `$${a.length}\r\n`;
        parts.push(Buffer.from(text), a);
        text = '\r\n';
      }
    }
  }
  parts.push(Buffer.from(text));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** One reply starting at `pos`, or undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, pos: number): { value: RespReply; end: number } | undefined {
  if (pos >= buf.length) return undefined;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return undefined;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, nl);
  const next = nl + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: Buffer.from(buf.subarray(next, next + len)), end: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: RespReply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (!r) return undefined;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default:
      throw new Error(`unexpected reply type "${type}"`);
  }
}

/** One raw connection per node for an operation; closed together. */
export class RawPool {
  private readonly conns = new Map<string, Promise<RawConnection>>();
  constructor(private readonly options: ConnectOptions = {}) {}

  get(addr: NodeAddress): Promise<RawConnection> {
    const key = formatAddress(addr);
    let p = this.conns.get(key);
    if (!p) {
      p = RawConnection.connect(addr, this.options);
      this.conns.set(key, p);
      p.catch(() => this.conns.delete(key));
    }
    return p;
  }

  async close(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => {})));
  }
}

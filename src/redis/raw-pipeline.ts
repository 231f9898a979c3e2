/**
 * Connections for the slot mover's scripts, on the project's Redis client: a
 * batch of commands goes out as one pipeline, replies come back in order with
 * errors as values (RespError) instead of failing the batch, and bulk replies
 * stay Buffers (callBuffer), so binary data comes back byte for byte. The
 * mover's own pool has a long command timeout: a source's scripts queue
 * behind each other.
 */
import type { Redis } from 'ioredis';
import { OperationError, errorText } from '../errors.js';
import { type NodeAddress, formatAddress } from './address.js';
import type { ConnectOptions } from './connection.js';
import { NodePool } from './pool.js';

export class RespError extends Error {}

export type RespReply = string | number | Buffer | null | RespError | RespReply[];
export type RespArg = string | Buffer;

export class RawConnection {
  constructor(
    private readonly client: Redis,
    readonly address: NodeAddress,
  ) {}

  /** Sends all commands as one pipeline; resolves with one reply per command (errors as RespError values). */
  async exec(commands: readonly (readonly RespArg[])[]): Promise<RespReply[]> {
    if (commands.length === 0) return [];
    const p = this.client.pipeline();
    for (const [name, ...args] of commands) p.callBuffer(String(name), ...args);
    let res: [Error | null, unknown][] | null;
    try {
      res = await p.exec();
    } catch (err) {
      const where = formatAddress(this.address);
      throw new OperationError(`${where}: ${errorText(err)}`, { subject: where });
    }
    return (res ?? []).map(([err, value]) => (err ? new RespError(err.message) : (value as RespReply)));
  }
}

/** One pipelined connection per node for an operation, over a NodePool; closed together. */
export class RawPool {
  private readonly options: ConnectOptions;
  /** Lane 0 is the node's main connection; more lanes are more connections to the same nodes. */
  private readonly lanes: NodePool[] = [];
  private readonly conns = new Map<string, RawConnection>();

  constructor(options: ConnectOptions = {}) {
    // A source's key-moving scripts queue behind each other on the server: give the later ones time.
    this.options = { ...options, commandTimeoutMs: options.commandTimeoutMs ?? 120_000 };
  }

  /** The node's connection on `lane` (default 0): commands on different lanes run concurrently on the node. */
  async get(addr: NodeAddress, lane = 0): Promise<RawConnection> {
    const key = `${lane}/${formatAddress(addr)}`;
    while (this.lanes.length <= lane) this.lanes.push(new NodePool(this.options));
    const client = await this.lanes[lane]!.get(addr);
    let c = this.conns.get(key);
    if (!c) {
      c = new RawConnection(client, addr);
      this.conns.set(key, c);
    }
    return c;
  }

  async close(): Promise<void> {
    this.conns.clear();
    await Promise.all(this.lanes.map((p) => p.close()));
  }
}

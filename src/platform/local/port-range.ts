/**
 * The member ports of a local cluster (`spec.local.basePort` .. `+ portCount`): handed
 * out round robin, so a re-created member does not come back on the port it just left,
 * and never one another member holds or something else has bound.
 */
import { portPairFree } from './preflight.js';

export interface PortSpec {
  basePort: number;
  portCount: number;
}

export class PortRange {
  /** `spec` is read at each call: `rck scale` may replace the spec. */
  constructor(
    private readonly spec: () => PortSpec,
    public next: number,
  ) {}

  contains(port: number): boolean {
    const { basePort, portCount } = this.spec();
    return port >= basePort && port < basePort + portCount;
  }

  /** The next free port pair (port and bus port) on `host`, skipping `taken`. */
  async allocate(host: string, taken: ReadonlySet<number>, who: string): Promise<number> {
    const { basePort, portCount } = this.spec();
    for (let i = 0; i < portCount; i++) {
      const port = basePort + ((this.next - basePort + i) % portCount);
      if (taken.has(port)) continue;
      if (await portPairFree(host, port)) {
        this.next = basePort + ((port - basePort + 1) % portCount);
        return port;
      }
    }
    throw new Error(`${who}: no free port left in ${basePort}..${basePort + portCount - 1}`);
  }
}

/**
 * The fake nodes: Node objects with hostname and zone labels (so anti-affinity and topology
 * spreading are real), a Ready condition refreshed every 10 s, and a renewed Lease, as a
 * kubelet does. All nodes share this machine; their InternalIP is 127.0.0.1.
 */
import { hostname, release } from 'node:os';
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import type { KubeletApi } from './kube-api.js';

export interface FakeNode {
  name: string;
  zone: string;
}

export const NODE_IP = '127.0.0.1';
export const DEFAULT_NODES: FakeNode[] = [
  { name: 'rck-node-a', zone: 'zone-a' },
  { name: 'rck-node-b', zone: 'zone-b' },
  { name: 'rck-node-c', zone: 'zone-c' },
];
const HEARTBEAT_MS = 10_000;
const RESOURCES = { cpu: '8', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };

const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z') as unknown as Date;
/** The conditions never change while the process runs, so they all date from its start. */
const SINCE = stamp(new Date());

function conditions(): V1NodeCondition[] {
  const t = stamp(new Date());
  const c = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: t,
    lastTransitionTime: SINCE,
  });
  return [
    c('Ready', 'True', 'KubeletReady', 'process kubelet is posting ready status'),
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'no memory pressure'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'no PID pressure'),
  ];
}

function nodeStatus(n: FakeNode, kubeletVersion: string) {
  return {
    capacity: RESOURCES,
    allocatable: RESOURCES,
    conditions: conditions(),
    addresses: [
      { type: 'InternalIP', address: NODE_IP },
      { type: 'Hostname', address: n.name },
    ],
    nodeInfo: {
      machineID: n.name,
      systemUUID: n.name,
      bootID: n.name,
      kernelVersion: release(),
      osImage: `process kubelet on ${hostname()}`,
      containerRuntimeVersion: 'rck-process://1',
      kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
  };
}

export class NodeAgent {
  private timer: NodeJS.Timeout | undefined;
  private uids = new Map<string, string | undefined>();
  /** Nodes whose heartbeats are stopped (a simulated node failure). */
  readonly down = new Set<string>();

  constructor(
    private api: KubeletApi,
    readonly nodes: FakeNode[],
    private kubeletVersion: string,
    private log: (l: string) => void,
  ) {}

  async register(): Promise<void> {
    for (const n of this.nodes) {
      const node: V1Node = {
        metadata: {
          name: n.name,
          labels: {
            'kubernetes.io/hostname': n.name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'topology.kubernetes.io/zone': n.zone,
            'node.kubernetes.io/instance-type': 'rck-process',
          },
        },
        spec: {},
        status: nodeStatus(n, this.kubeletVersion) as V1Node['status'],
      };
      await this.api.createNode(node);
      this.uids.set(n.name, (await this.api.core.readNode({ name: n.name })).metadata?.uid);
    }
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
  }

  private async heartbeat(): Promise<void> {
    await Promise.all(
      this.nodes
        .filter((n) => !this.down.has(n.name))
        .map(async (n) => {
          try {
            await this.api.patchNodeStatus(n.name, nodeStatus(n, this.kubeletVersion));
            await this.api.renewLease(n.name, this.uids.get(n.name));
          } catch (e) {
            this.log(`heartbeat of ${n.name} failed: ${(e as Error).message}`);
          }
        }),
    );
  }

  /** Resumes a stopped node's heartbeats at once, as a rebooted kubelet does. */
  async up(name: string): Promise<void> {
    this.down.delete(name);
    await this.heartbeat();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

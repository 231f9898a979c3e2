/**
 * Node settings that would make a newly created cluster unhealthy, judged before
 * anything changes. Pure: reads what the nodes said, returns one line per problem,
 * naming the node and the setting.
 */

/** What create reads from each node (never the password values themselves). */
export interface NodeSettings {
  /** host:port */
  node: string;
  requirepass: boolean;
  masterauth: boolean;
  /** '' when replicas authenticate as the default user. */
  masteruser: string;
  minReplicasToWrite: number;
}

/**
 * A node lacking masterauth while the nodes need a password could never sync as a
 * replica: every node needs it, since any master becomes a replica after a failover.
 * A master asking for more replicas than the plan gives it refuses every write.
 */
export function settingProblems(nodes: readonly NodeSettings[], replicasPerMaster: number, passwordRequired: boolean): string[] {
  const problems: string[] = [];
  const protectedNode = nodes.find((n) => n.requirepass);
  const needsAuth = passwordRequired || protectedNode !== undefined;
  for (const n of nodes) {
    if (needsAuth && !n.masterauth) {
      const why = n.requirepass
        ? 'requirepass is set but masterauth is not'
        : `masterauth is not set, but the nodes require a password (requirepass${protectedNode ? ` on ${protectedNode.node}` : ''})`;
      problems.push(`${n.node}: ${why}: as a replica it could never authenticate to its master (set masterauth${n.masteruser ? '' : ' to the password'} on every node)`);
    }
    if (n.minReplicasToWrite > replicasPerMaster) {
      problems.push(`${n.node}: min-replicas-to-write is ${n.minReplicasToWrite} but each master gets ${replicasPerMaster} replica(s): as a master it would refuse every write`);
    }
  }
  return problems;
}

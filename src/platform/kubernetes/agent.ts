/**
 * @kubernetes/client-node makes a new https.Agent for every API request: a new TCP
 * connection, TLS context and handshake each time (issue 14: most of an idle cluster's
 * API cost). `reuseConnections` gives its requests one keep-alive agent per set of TLS
 * credentials instead. Proxy agents and plain HTTP are left as the client makes them.
 */
import { Agent, type AgentOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
const patched = new WeakSet<KubeConfig>();

export function reuseConnections(kc: KubeConfig): void {
  if (patched.has(kc)) return;
  patched.add(kc);
  let shared: { key: string; agent: Agent } | undefined;
  const apply = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (context) => {
    await apply(context);
    const made = context.getAgent();
    if (!made || made.constructor !== Agent) return;
    const o = (made as Agent).options;
    const picked: AgentOptions = Object.fromEntries(KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
    // Credentials read again from their files: a rotated certificate gets a new agent.
    const key = KEYS.map((k) => String(o[k] ?? '')).join('\0');
    if (shared?.key !== key) shared = { key, agent: new Agent({ ...picked, keepAlive: true }) };
    context.setAgent(shared.agent);
  };
}

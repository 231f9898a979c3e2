import { Agent } from 'node:https';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { reuseConnections } from '../../src/platform/kubernetes/agent.js';

function kubeConfig(token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('not a real CA').toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function agentOf(kc: KubeConfig): Promise<Agent> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api/v1/pods', HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getAgent() as Agent;
}

describe('reuseConnections', () => {
  it('gives every request one keep-alive agent with the same TLS options, and keeps the headers', async () => {
    const kc = kubeConfig('t0k3n');
    const before = [await agentOf(kc), await agentOf(kc)];
    expect(before[0]).not.toBe(before[1]); // the client's own behaviour: a new agent per request
    reuseConnections(kc);
    reuseConnections(kc); // idempotent
    const [a, b] = [await agentOf(kc), await agentOf(kc)];
    expect(a).toBe(b);
    expect(a.options.keepAlive).toBe(true);
    expect(String(a.options.ca)).toBe('not a real CA');
    const ctx = new RequestContext('https://127.0.0.1:6443/api/v1/pods', HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    expect(ctx.getHeaders().Authorization).toBe('Bearer t0k3n');
  });
});

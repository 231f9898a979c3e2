/**
 * Starts the test control plane by hand and keeps it up until Ctrl-C:
 *   npm run k8s:up      (then: KUBECONFIG=<printed path> kubectl get nodes, if kubectl is around)
 */
import { startK8sTestEnv } from './harness.js';

const env = await startK8sTestEnv();
console.log(`export KUBECONFIG=${env.kubeconfigPath}`);
if (env.workDir) console.log(`logs: ${env.workDir}`);
const shutdown = async () => {
  await env.stop();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
setInterval(() => {}, 1 << 30);

/**
 * Monitoring objects for the Prometheus Operator (`rck render monitoring`): a Service in
 * front of the operator's /metrics, a ServiceMonitor that scrapes it, and a PrometheusRule
 * with the alerts an SRE on call for a Redis Cluster wants. The install bundle's operator
 * serves /metrics on its pod IP (OPERATOR_LISTEN_ARGS); its web view stays on loopback. Pure.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { SLOT_COUNT } from '../topology/slots.js';
import { OPERATOR_METRICS_PORT, OPERATOR_NAME } from './operator.js';

export const METRICS_PORT = OPERATOR_METRICS_PORT;

export interface MonitoringOptions {
  /** The operator's namespace. */
  namespace: string;
  /** Labels the Prometheus instance selects ServiceMonitors and PrometheusRules by (e.g. release: kube-prometheus-stack). */
  selectorLabels?: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'critical' | 'warning' };
  annotations: { summary: string; description: string };
}

const BY_CLUSTER = '{{ $labels.namespace }}/{{ $labels.cluster }}';

/** The alerts, one per thing that pages or warns. */
export function alertRules(): AlertRule[] {
  const rule = (alert: string, expr: string, forTime: string, severity: AlertRule['labels']['severity'], summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: forTime,
    labels: { severity },
    annotations: { summary, description },
  });
  return [
    rule(
      'RckShardWithoutMaster',
      `rck_cluster_slots_served < ${SLOT_COUNT}`,
      '1m',
      'critical',
      'Redis Cluster {{ $labels.cluster }} has slots no master serves',
      `${BY_CLUSTER}: {{ $value }} of ${SLOT_COUNT} slots are served; a shard has no master that answers, and its keys are unavailable. See rck status / the RedisCluster's conditions and Events.`,
    ),
    rule(
      'RckMasterWithoutReplica',
      '(rck_master_replicas_in_sync == 0) and on (namespace, cluster) (rck_cluster_desired_replicas_per_master > 0)',
      '5m',
      'warning',
      'A master of {{ $labels.cluster }} has no in-sync replica',
      `${BY_CLUSTER}: master {{ $labels.master }} has no replica in sync; one more failure of it loses its shard's data.`,
    ),
    rule(
      'RckDataLoss',
      'rck_cluster_data_loss == 1',
      '0m',
      'critical',
      'Redis Cluster {{ $labels.cluster }} lost data',
      `${BY_CLUSTER}: a DataLoss event is unacknowledged (keys or writes Redis lost in a failover or restart). See its Warning Events; acknowledge with the annotation rck.dev/data-loss-acknowledged.`,
    ),
    rule(
      'RckClusterNotReady',
      'rck_cluster_ready == 0',
      '5m',
      'warning',
      'Redis Cluster {{ $labels.cluster }} not Ready for 5 minutes',
      `${BY_CLUSTER} has not been Ready for 5 minutes (a member down, slots unserved, replicas missing, or a heal that does not finish). See the Ready condition's reason.`,
    ),
    rule(
      'RckReplicationLag',
      'rck_member_replication_lag_bytes > 16 * 1024 * 1024',
      '5m',
      'warning',
      'Replica {{ $labels.member }} lags its master by more than 16 MiB',
      `${BY_CLUSTER}: {{ $labels.member }} is {{ $value | humanize1024 }}B behind its master; a failover now would lose those writes.`,
    ),
    rule(
      'RckMemoryNearMax',
      '(rck_member_used_memory_bytes / rck_member_maxmemory_bytes > 0.9) and (rck_member_maxmemory_bytes > 0)',
      '5m',
      'warning',
      'Member {{ $labels.member }} uses more than 90% of its maxmemory',
      `${BY_CLUSTER}: {{ $labels.member }} is at {{ $value | humanizePercentage }} of maxmemory; writes will be refused or keys evicted.`,
    ),
    rule(
      'RckMemberDown',
      'rck_member_up == 0',
      '5m',
      'warning',
      'Member {{ $labels.member }} of {{ $labels.cluster }} does not answer',
      `${BY_CLUSTER}: {{ $labels.member }} has not answered the controller for 5 minutes.`,
    ),
    rule(
      'RckNotObserved',
      'time() - rck_cluster_observed_timestamp_seconds > 120',
      '5m',
      'warning',
      'The operator has not observed {{ $labels.cluster }} for 2 minutes',
      `${BY_CLUSTER}: no controller pass finished for over 2 minutes (the operator is failing or stuck); these metrics are stale.`,
    ),
  ];
}

export function renderMonitoring(o: MonitoringOptions): KubernetesObject[] {
  const labels = { 'app.kubernetes.io/name': OPERATOR_NAME, 'app.kubernetes.io/managed-by': 'rck', ...o.selectorLabels };
  const metadata = (name: string) => ({ name, namespace: o.namespace, labels });
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(`${OPERATOR_NAME}-metrics`),
      spec: {
        selector: { 'app.kubernetes.io/name': OPERATOR_NAME },
        ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: METRICS_PORT, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: metadata(OPERATOR_NAME),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
        namespaceSelector: { matchNames: [o.namespace] },
        // The series carry the RedisCluster's own namespace label: keep it over the target's.
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s', honorLabels: true }],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: metadata(OPERATOR_NAME),
      spec: { groups: [{ name: 'rck.rules', rules: alertRules() }] },
    },
  ] as unknown as KubernetesObject[];
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The product's own metrics, on a registry per process (tests get a fresh one). Names and
 * labels are documented in the README's Observability section and used by
 * deploy/observability (dashboard and alert rules): rename them there too.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    migrations: new Gauge({
      name: 'migrate_identity_migrations',
      help: 'Migrations by phase, from Temporal visibility (running ones for open phases, all retained for terminal ones)',
      labelNames: ['phase'] as const,
      registers,
    }),
    approvalsWaiting: new Gauge({
      name: 'migrate_identity_approvals_waiting',
      help: 'Running migrations waiting at the approval gate',
      registers,
    }),
    approvalOldestWait: new Gauge({
      name: 'migrate_identity_approval_oldest_wait_seconds',
      help: 'How long the oldest waiting approval has been waiting (0 when none)',
      registers,
    }),
    visibilityErrors: new Counter({
      name: 'migrate_identity_visibility_errors_total',
      help: 'Failed visibility counts or state queries behind the migration gauges',
      registers,
    }),
    activityDuration: new Histogram({
      name: 'migrate_identity_activity_duration_seconds',
      help: 'Duration of each activity execution (one migration step on one cluster), by outcome',
      labelNames: ['activity', 'cluster', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    apiErrors: new Counter({
      name: 'migrate_identity_api_errors_total',
      help: 'AWS and Kubernetes API errors that failed an activity attempt, by failure type',
      labelNames: ['api', 'activity', 'cluster', 'type'] as const,
      registers,
    }),
    slackAck: new Histogram({
      name: 'migrate_identity_slack_ack_seconds',
      help: 'Time from a Slack request reaching the app to its ack (Slack gives up after 3 s)',
      labelNames: ['type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers,
    }),
    slackRequests: new Counter({
      name: 'migrate_identity_slack_requests_total',
      help: 'Slack requests handled, by type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

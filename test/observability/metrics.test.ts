import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { observedActivities } from '../../src/observability/activity-interceptor.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metrics-server.js';
import { temporalLogger } from '../../src/observability/temporal-logger.js';
import { startVisibilityCollector, type VisibilityCollector } from '../../src/observability/visibility-collector.js';
import { createDevServerEnv } from '../support/temporal.js';
import {
  deployedMetricNames,
  freePort,
  lineSink,
  migrationInput,
  sample,
  startObservedWorker,
  waitFor,
  type ObservedHarness,
} from './support.js';

/**
 * `/metrics` during a real run: the dev server (visibility counts need its SQL store), the
 * sandbox fleet, the worker with the product's activity interceptor, the visibility
 * collector, and the SDK's Prometheus exporter merged in, all on 127.0.0.1.
 */
const sdkPort = await freePort();
const logs = lineSink();
const logger = createLogger({ level: 'info', component: 'worker', destination: logs });
Runtime.install({
  logger: temporalLogger(logger, 'WARN'),
  telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } },
});

const metrics = createMetrics();
let env: TestWorkflowEnvironment;
let h: ObservedHarness;
let collector: VisibilityCollector;
let server: MetricsServer;

before(async () => {
  env = await createDevServerEnv();
  h = await startObservedWorker(env, { activityInterceptors: [observedActivities({ metrics, logger })] });
  collector = startVisibilityCollector({
    client: env.client,
    taskQueue: h.taskQueue,
    metrics,
    intervalMs: 60_000,
    logger,
  });
  server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics`,
  });
});
after(async () => {
  await server?.close();
  await collector?.stop();
  await h?.stop();
  await env?.teardown();
});

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

/** Visibility is eventually consistent: collect until the gauge shows what the run did. */
async function collectUntil(check: (text: string) => boolean, what: string): Promise<string> {
  return waitFor(async () => {
    await collector.collect();
    const text = await scrape();
    return check(text) ? text : undefined;
  }, what);
}

test('/metrics moves with a run: phases, approvals, step durations, API errors, then the rollback', async () => {
  const before = await scrape();
  assert.equal(sample(before, 'migrate_identity_migrations', { phase: 'AwaitingApproval' }), 0);
  assert.equal(sample(before, 'migrate_identity_api_errors_total'), 0);

  // One throttled CreatePodIdentityAssociation: retried, so the run goes on, and counted.
  await h.fleet.control.setFault({ cluster: 'sandbox-a', step: 'create-association', kind: 'throttle', count: 1 });
  const sa = { namespace: 'payments', name: 'reconciler' };
  await h.service.start(migrationInput());

  const waiting = await collectUntil(
    // The count and the list behind these two gauges may see visibility at different moments.
    (t) =>
      sample(t, 'migrate_identity_migrations', { phase: 'AwaitingApproval' }) === 1 &&
      sample(t, 'migrate_identity_approvals_waiting') === 1,
    'the run to wait for approval',
  );
  assert.equal(sample(waiting, 'migrate_identity_approvals_waiting'), 1);
  assert.ok(sample(waiting, 'migrate_identity_approval_oldest_wait_seconds') > 0, 'the approval has an age');
  for (const cluster of ['sandbox-a', 'sandbox-b']) {
    assert.equal(
      sample(waiting, 'migrate_identity_activity_duration_seconds_count', {
        activity: 'createAssociation',
        cluster,
        outcome: 'completed',
      }),
      1,
      `one association created on ${cluster}`,
    );
  }
  assert.equal(
    sample(waiting, 'migrate_identity_api_errors_total', {
      api: 'aws-eks',
      activity: 'createAssociation',
      cluster: 'sandbox-a',
      type: 'Throttled',
    }),
    1,
  );
  assert.equal(
    sample(waiting, 'migrate_identity_activity_duration_seconds_count', {
      activity: 'createAssociation',
      outcome: 'failed',
    }),
    1,
  );

  // The Temporal SDK's own metrics are in the same scrape: the names the alert rules use.
  assert.ok(sample(waiting, 'temporal_num_pollers', { poller_type: 'workflow_task' }) > 0, 'workflow pollers');
  assert.ok(sample(waiting, 'temporal_num_pollers', { poller_type: 'activity_task' }) > 0, 'activity pollers');
  assert.ok(sample(waiting, 'temporal_activity_execution_latency_count') > 0, 'SDK activity latency');

  // Every metric the dashboard and the alert rules query is one this scrape exposes.
  const families = new Set([...waiting.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
  for (const name of deployedMetricNames()) assert.ok(families.has(name), `deploy/observability uses ${name}`);

  await h.service.decide(sa, { decision: 'reject', by: 'bob', reason: 'test' });
  assert.equal((await h.service.result(sa)).phase, 'RolledBack');
  const done = await collectUntil(
    (t) => sample(t, 'migrate_identity_migrations', { phase: 'RolledBack' }) === 1,
    'the rolled back run to be counted',
  );
  assert.equal(sample(done, 'migrate_identity_migrations', { phase: 'AwaitingApproval' }), 0);
  assert.equal(sample(done, 'migrate_identity_approvals_waiting'), 0);
  assert.equal(sample(done, 'migrate_identity_approval_oldest_wait_seconds'), 0);
  assert.equal(sample(done, 'migrate_identity_migrations', { phase: 'RollbackFailed' }), 0);
  assert.equal(
    sample(done, 'migrate_identity_activity_duration_seconds_count', {
      activity: 'deleteAssociation',
      outcome: 'completed',
    }),
    2,
    'the rollback deleted both associations',
  );
  assert.equal(sample(done, 'migrate_identity_visibility_errors_total'), 0);

  // One JSON line per activity, with the run and the cluster.
  const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const created = lines.find((l) => l.msg === 'activity createAssociation completed' && l.cluster === 'sandbox-b');
  assert.ok(created, logs.text());
  assert.equal(created.level, 'info');
  assert.equal(created.workflowId, 'migrate-identity/payments/reconciler');
  assert.match(String(created.runId), /^[0-9a-f-]{36}$/);
  assert.equal(created.step, 'createAssociation');
});

test('/healthz answers, and unknown paths are 404', async () => {
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope`)).status, 404);
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSlackApp } from '../../slack/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createTracing, tracingClientInterceptors, workflowSpanSinks } from '../../src/observability/tracing.js';
import { activityInterceptors } from '../../src/runtime/stack.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import { openPolicy } from '../support/slack-harness.js';
import { postSigned, slashCommandBody } from '../support/slack-requests.js';
import { createTimeSkippingEnv, quietTemporalLogs } from '../support/temporal.js';
import { sample, startObservedWorker, waitFor, type ObservedHarness } from './support.js';

/**
 * One trace from the Slack request to the activities: the bot's span per request, the
 * client interceptor on the workflow start, the workflow interceptors in the bundle (their
 * spans leave the sandbox through the exporter sink), the activity interceptors. All
 * exported to memory, as OTLP would export them.
 */
quietTemporalLogs();
const exporter = new InMemorySpanExporter();
const tracing = createTracing({ serviceName: 'migrate-identity-test', exporter });
const metrics = createMetrics({ defaultMetrics: false });
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const SIGNING_SECRET = 'trace-test-signing-secret';

let env: TestWorkflowEnvironment;
let h: ObservedHarness;
let api: SlackApiStandIn;
let slack: { stop(): Promise<void>; port: number };
const policyDir = mkdtempSync(join(tmpdir(), 'mi-traces-'));
before(async () => {
  env = await createTimeSkippingEnv();
  h = await startObservedWorker(env, {
    activityInterceptors: activityInterceptors({ tracing, metrics }),
    sinks: workflowSpanSinks(tracing),
  });
  api = await SlackApiStandIn.start();
  const policyFile = join(policyDir, 'access-policy.json');
  writeFileSync(policyFile, openPolicy({ users: ['U0APPROVER'] }));
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-trace-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_PORT: '0',
    SLACK_API_URL: api.apiUrl,
    MIGRATE_IDENTITY_ACCESS_POLICY: policyFile,
  });
  const client = new Client({
    connection: env.connection,
    namespace: 'default',
    interceptors: tracingClientInterceptors(),
  });
  slack = await startSlackApp(config, {
    migrations: new MigrationService(client, h.taskQueue, 'http://127.0.0.1:8233'),
    tracer: tracing.tracer,
    metrics,
    host: '127.0.0.1',
  });
});
after(async () => {
  await slack?.stop();
  await api?.close();
  await h?.stop();
  await env?.teardown();
  await tracing.shutdown();
  rmSync(policyDir, { recursive: true, force: true });
});

test('one trace spans the Slack start request, the workflow start, the workflow and its first activity', async () => {
  const body = slashCommandBody({
    text: `payments/reconciler --role ${ROLE} --clusters sandbox-a --consistency-wait 0s --soak 0s`,
    userId: 'U0REQUESTER',
    responseUrl: api.responseUrl('trace'),
  });
  const res = await postSigned(`http://127.0.0.1:${slack.port}/slack/events`, body, { secret: SIGNING_SECRET });
  assert.equal(res.status, 200, res.text);

  // The workflow's own span ends with the run: take the run to its end.
  const sa = { namespace: 'payments', name: 'reconciler' };
  await waitFor(async () => {
    const state = await h.service.state(sa).catch(() => undefined);
    return state?.phase === 'AwaitingApproval' ? state : undefined;
  }, 'the run to wait for approval');
  await h.service.decide(sa, { decision: 'approve', by: 'U0APPROVER' });
  assert.equal((await h.service.result(sa)).phase, 'Completed');

  const spans = () => exporter.getFinishedSpans();
  const named = (prefix: string) => spans().find((s) => s.name.startsWith(prefix));
  const request = await waitFor(() => named('slack slash_command'), 'the Slack request span');
  const activity = await waitFor(() => named('RunActivity:preflightRole'), 'the first activity span');

  const traceId = request.spanContext().traceId;
  const chain = ['StartWorkflow:migrationWorkflow', 'RunWorkflow:migrationWorkflow', 'StartActivity:preflightRole'];
  await waitFor(
    () => chain.every((n) => named(n)),
    `spans ${chain.join(', ')} in ${spans()
      .map((s) => s.name)
      .join(', ')}`,
  );
  for (const name of chain)
    assert.equal(named(name)?.spanContext().traceId, traceId, `${name} is in the request's trace`);
  assert.equal(activity.spanContext().traceId, traceId, 'the activity is in the request trace');

  // Parent links, not just a shared id: request → start → run → schedule → run activity.
  const byId = new Map(spans().map((s) => [s.spanContext().spanId, s]));
  const parentName = (s: ReadableSpan) => byId.get(s.parentSpanId ?? '')?.name;
  assert.equal(parentName(named('StartWorkflow:migrationWorkflow')!), request.name);
  assert.equal(parentName(named('StartActivity:preflightRole')!), 'RunWorkflow:migrationWorkflow');
  assert.equal(parentName(activity), 'StartActivity:preflightRole');
  assert.equal(request.attributes['slack.user'], 'U0REQUESTER');

  // The same request timed its ack.
  const text = await metrics.registry.metrics();
  assert.equal(sample(text, 'migrate_identity_slack_ack_seconds_count', { type: 'slash_command' }), 1);
});

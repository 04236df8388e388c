import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { APPROVE_ACTION_ID } from '../../slack/views/approval-message.js';
import { encodeApprovalValue } from '../../slack/views/payload.js';
import { demoInput } from '../../src/cli/demo.js';
import { loadConfig } from '../../src/config/index.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { openSandbox } from '../../src/runtime/fleet-ports.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { startProductionStack, type ProductionStack } from '../support/production-stack.js';
import { SlackApiStandIn, type StoredMessage } from '../support/slack-api.js';
import { openPolicy } from '../support/slack-harness.js';
import { buttonClick, payloadBody, postSigned, slashCommandBody } from '../support/slack-requests.js';

/**
 * The production-shaped stack (docker-compose.yml's services as host processes: PostgreSQL,
 * the Temporal server set up by compose's scripts, the Temporal UI server, the worker and
 * the Slack bot) runs the demo migration from a signed slash command to a signed Approve
 * click. Mid-run the Temporal server crashes and restarts, and so does the worker: the run
 * completes with every side effect made once, and the UI server shows it.
 */

const SIGNING_SECRET = '5tack7e5t5igning5ecretf0rb0lt0000';
const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const CHANNEL = 'C0PLATFORM';
const DEMO = demoInput();
const SA = DEMO.serviceAccount;

/** The demo migration (`npm run demo`) as a slash command. */
function demoCommand(): string {
  const o = DEMO.options;
  return [
    `${SA.namespace}/${SA.name}`,
    `--role ${DEMO.roleArn}`,
    `--clusters ${DEMO.clusters.join(',')}`,
    `--consistency-wait ${o.consistencyWaitSeconds}s`,
    `--soak ${o.soakSeconds}s`,
    `--rollout-timeout ${o.rolloutTimeoutSeconds}s`,
    // CloudTrail evidence as the demo bounds it (its 2 s polling is not a flag: the default
    // 60 s poll, bounded by this wait, keeps the run within the test's minutes).
    `--evidence-wait ${o.evidence?.waitSeconds ?? 60}s`,
  ].join(' ');
}

const blocksText = (m: StoredMessage) => JSON.stringify(m.blocks ?? []);

describe('production-shaped stack', () => {
  let api: SlackApiStandIn;
  let stack: ProductionStack;
  let client: Client;
  const progress: string[] = [];
  const policyDir = mkdtempSync(join(tmpdir(), 'mi-stack-policy-'));

  before(async () => {
    api = await SlackApiStandIn.start();
    // Who may start and approve is the access policy's, as in production (no SLACK_APPROVERS).
    const policyFile = join(policyDir, 'access-policy.json');
    writeFileSync(policyFile, openPolicy({ users: [APPROVER] }));
    const t0 = Date.now();
    stack = await startProductionStack({
      dotEnv: {
        SLACK_BOT_TOKEN: 'xoxb-111111111111-2222222222222-stackTestBotTok3n',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: api.apiUrl,
        MIGRATE_IDENTITY_ACCESS_POLICY: policyFile,
      },
      log: (line) => progress.push(line),
    });
    progress.push(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  });
  after(async () => {
    await client?.connection.close();
    await stack?.stop();
    await api?.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  test('the demo migration survives a Temporal server crash and a worker crash, with no duplicated side effects, and the UI serves it', async (t) => {
    t.after(() => progress.forEach((line) => t.diagnostic(line)));
    const config = loadConfig(stack.env('worker'));
    const sandbox = openSandbox(config).control;
    await sandbox.reset();
    const service = new MigrationService(client, config.temporal.taskQueue, stack.uiUrl, config.temporal.namespace);
    // Queries fail while the server is down: keep asking.
    const waitForState = async (done: (s: MigrationState) => boolean, what: string, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: MigrationState | undefined;
      for (;;) {
        last = (await service.state(SA).catch(() => undefined)) ?? last;
        if (last && done(last)) return last;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; phase ${last?.phase ?? '?'}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // Begun: usually still running (a 5 s durable timer) when seen, but seen late is still mid-run.
    const begun = (cluster: string, step: string) => (s: MigrationState) =>
      s.clusters.some((c) => c.cluster === cluster && c.steps.some((st) => st.step === step));

    const started = await postSigned(
      stack.slackEventsUrl,
      slashCommandBody({
        text: demoCommand(),
        userId: REQUESTER,
        channelId: CHANNEL,
        responseUrl: api.responseUrl('start'),
      }),
      { secret: SIGNING_SECRET },
    );
    assert.equal(started.status, 200, started.text);
    const reply = await api.waitFor(() => api.responses.find((r) => r.id === 'start'), 'the reply', 30_000);
    assert.match(String(reply.body.text), /Started the migration of payments\/reconciler/);

    // Each crash comes with nothing in flight: a notification still being posted would be posted
    // again after it (Slack has no idempotency key), which is not what this test measures.
    const run = client.workflow.getHandle(workflowIdFor(SA));
    const quiet = async () => {
      for (let i = 0; i < 150 && ((await run.describe()).raw.pendingActivities?.length ?? 0) > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The server dies once sandbox-a's consistency wait, a durable timer kept in PostgreSQL, has begun.
    await waitForState(begun('sandbox-a', 'consistency-wait'), 'sandbox-a consistency wait');
    await quiet();
    const temporalMs = await stack.restart('temporal', 'SIGKILL');
    // The worker dies at sandbox-b's; a new process picks the run up from its history.
    await waitForState(begun('sandbox-b', 'consistency-wait'), 'sandbox-b consistency wait');
    await quiet();
    const workerMs = await stack.restart('worker', 'SIGKILL');
    progress.push(
      `Temporal server restarted in ${(temporalMs / 1000).toFixed(1)}s, worker in ${(workerMs / 1000).toFixed(1)}s`,
    );

    const request = await api.waitFor(
      () => api.messages.find((m) => m.reply_broadcast && blocksText(m).includes(APPROVE_ACTION_ID)),
      'the approval request',
      300_000,
    );
    const waiting = await waitForState((s) => s.phase === 'AwaitingApproval', 'the approval gate');
    const click = buttonClick({
      actionId: APPROVE_ACTION_ID,
      value: encodeApprovalValue(digestOf(waiting)),
      userId: APPROVER,
      channelId: CHANNEL,
      messageTs: request.ts,
      responseUrl: api.responseUrl('approve'),
    });
    assert.equal((await postSigned(stack.slackEventsUrl, payloadBody(click), { secret: SIGNING_SECRET })).status, 200);

    const final = await service.result(SA);
    assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
    assert.equal(final.decision?.by, APPROVER);
    assert.deepEqual(
      final.clusters.map((c) => c.status),
      ['cleaned', 'cleaned', 'cleaned'],
    );

    // Each side effect once, on the sandbox's own record of the calls it served.
    const calls = await sandbox.calls();
    for (const cluster of DEMO.clusters) {
      assert.equal(calls[`${cluster}:createPodIdentityAssociation`], 1, `${cluster}: association creates`);
    }
    assert.equal(calls['*:updateTrustPolicy'], 2, 'one trust write to add Pod Identity, one to remove IRSA');
    const essentials = await sandbox.essentials();
    assert.deepEqual(
      essentials.associations.map((a) => `${a.cluster} ${a.namespace}/${a.serviceAccount}`).sort(),
      DEMO.clusters.map((c) => `${c} payments/reconciler`),
    );
    const { workflowId } = final;
    // No activity ran twice (a retry after a crash would repeat its side effect): attempt 1 each.
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const typeOf = (id: unknown) =>
      events.find((e) => String(e.eventId) === String(id))?.activityTaskScheduledEventAttributes?.activityType?.name;
    const retried = events
      .filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)
      .map(
        (e) =>
          `${typeOf(e.activityTaskStartedEventAttributes?.scheduledEventId)} attempt ${e.activityTaskStartedEventAttributes?.attempt}` +
          ` (after: ${e.activityTaskStartedEventAttributes?.lastFailure?.message ?? 'no failure recorded'})`,
      );
    assert.deepEqual(retried, [], 'every activity ran once');
    assert.ok(
      events.some((e) => e.activityTaskStartedEventAttributes),
      'the history has activities',
    );
    const workers = new Set(events.map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter(Boolean));
    assert.equal(workers.size, 2, 'one worker process began the run, another one finished it');
    const parents = api.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === undefined);
    assert.equal(parents.length, 1, 'one thread');
    const approvalPosts = api
      .callsTo('chat.postMessage')
      .filter((c) => JSON.stringify(c.args.blocks ?? []).includes(APPROVE_ACTION_ID));
    assert.equal(approvalPosts.length, 1, 'one approval request');

    // The UI server reads the run from this Temporal server: by id, and by search attribute.
    const ui = await fetch(`${stack.uiUrl}/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    assert.equal(ui.status, 200);
    const described = (await ui.json()) as {
      workflowExecutionInfo: { execution: { workflowId: string }; status: string };
    };
    assert.equal(described.workflowExecutionInfo.execution.workflowId, workflowId);
    assert.equal(described.workflowExecutionInfo.status, 'WORKFLOW_EXECUTION_STATUS_COMPLETED');
    const query = encodeURIComponent(`ServiceAccount = "payments/reconciler" AND MigrationPhase = "Completed"`);
    const listed = (await (
      await fetch(`${stack.uiUrl}/api/v1/namespaces/default/workflows?query=${query}`)
    ).json()) as { executions?: { execution: { workflowId: string } }[] };
    assert.deepEqual(
      listed.executions?.map((e) => e.execution.workflowId),
      [workflowId],
    );
    const page = await fetch(`${stack.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i, 'the web app itself, embedded in the UI server');
  });
});

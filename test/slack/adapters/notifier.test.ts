import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createCompositeNotifier } from '../../../src/adapters/composite-notifier.js';
import { createSlackWebClient } from '../../../slack/adapters/web-client.js';
import { createSlackNotifier } from '../../../slack/adapters/notifier.js';
import { createWorkerNotifier } from '../../../src/runtime/worker-notifier.js';
import { loadConfig } from '../../../src/config/index.js';
import type { MigrationState } from '../../../src/domain/migration-state.js';
import type { NotificationKind, NotifierPort } from '../../../src/ports/notifier.js';
import { APPROVAL_BLOCK_ID } from '../../../slack/views/approval-message.js';
import { SlackApiStandIn } from '../../support/slack-api.js';
import * as fixtures from '../../support/slack-fixtures.js';

const CHANNEL = 'C0CHANNEL';
const FAST_RETRY = { maxAttempts: 3, backoffMs: 5, maxRetryAfterMs: 2000, budgetMs: 5000 };

const blocksOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? []);

function fresh(state: MigrationState): MigrationState {
  state.slackThread = { channel: CHANNEL };
  return state;
}

/** Plays the workflow's part: keeps the thread ts the notifier returns, like MigrationRun.notify does. */
async function send(notifier: NotifierPort, kind: NotificationKind, text: string, state: MigrationState) {
  const result = await notifier.notify(fixtures.notification(kind, text, state));
  if (result.threadTs && state.slackThread) state.slackThread.threadTs = result.threadTs;
  return result;
}

describe('Slack notifier', () => {
  let api: SlackApiStandIn;
  let warnings: string[];
  let notifier: NotifierPort;

  before(async () => {
    api = await SlackApiStandIn.start();
  });
  after(() => api.close());
  beforeEach(() => {
    api.calls.length = 0;
    api.messages.length = 0;
    api.setOutage(undefined);
    warnings = [];
    notifier = createSlackNotifier(createSlackWebClient({ botToken: 'xoxb-t', apiUrl: api.apiUrl }), {
      runUrl: (id) => `http://ui/${id}`,
      logger: { warn: (m) => warnings.push(m) },
      retry: FAST_RETRY,
    });
  });

  test('first event posts the parent message and returns its ts; later events update it and reply in its thread', async () => {
    const state = fresh(fixtures.migrating());
    const first = await send(notifier, 'started', 'migration requested', state);
    assert.ok(first.threadTs);
    assert.equal(first.warning, undefined);
    assert.equal(api.messages.length, 1, 'the start is the parent message itself, no reply');

    const second = await send(notifier, 'step', 'sandbox-a: association a-1 created', state);
    assert.deepEqual(second, {}, 'no new threadTs once the parent exists');
    const parent = api.message(CHANNEL, first.threadTs);
    assert.equal(parent?.updates, 1);
    const [, reply] = api.thread(CHANNEL, first.threadTs);
    assert.equal(reply?.thread_ts, first.threadTs);
    assert.match(JSON.stringify(reply?.blocks), /association a-1 created/);
    assert.match(JSON.stringify(parent?.blocks), /sandbox-a/);
  });

  test('approval request is broadcast with buttons, reminders are not; the decision updates the request', async () => {
    const state = fresh(fixtures.awaitingApproval());
    const { threadTs } = await send(notifier, 'approval-requested', 'waiting for approval', state);
    assert.ok(threadTs);
    const request = api.thread(CHANNEL, threadTs).find((m) => m.reply_broadcast);
    assert.ok(request, 'broadcast reply');
    assert.match(JSON.stringify(request.blocks), /migration_approve/);

    state.approval!.remindersSent = 1;
    await send(notifier, 'approval-reminder', 'reminder: cleanup is still waiting for approval', state);
    const reminder = api.thread(CHANNEL, threadTs).at(-1);
    assert.equal(reminder?.reply_broadcast, false);
    assert.match(reminder?.text ?? '', /Reminder/);
    assert.match(JSON.stringify(reminder?.blocks), /<@U0APPROVER>/);

    const decided = fixtures.approved();
    decided.slackThread = state.slackThread;
    await send(notifier, 'decision', 'approval gate: approved by U0APPROVER', decided);
    const updated = api.message(CHANNEL, request.ts);
    assert.equal(updated?.updates, 1);
    assert.doesNotMatch(JSON.stringify(updated?.blocks), /migration_approve/);
    assert.match(JSON.stringify(updated?.blocks), /Approved\* by <@U0APPROVER>/);
  });

  test('after a restart the approval message is found again in the thread', async () => {
    const state = fresh(fixtures.awaitingApproval());
    const { threadTs } = await send(notifier, 'approval-requested', 'waiting for approval', state);
    const restarted = createSlackNotifier(createSlackWebClient({ botToken: 'xoxb-t', apiUrl: api.apiUrl }), {
      runUrl: (id) => `http://ui/${id}`,
      retry: FAST_RETRY,
    });
    const decided = fixtures.rejected();
    decided.slackThread = state.slackThread;
    await send(restarted, 'decision', 'approval gate: rejected', decided);
    assert.equal(api.callsTo('conversations.replies').length, 1);
    const request = api.thread(CHANNEL, threadTs!).find((m) => m.blocks?.[0]?.block_id === APPROVAL_BLOCK_ID);
    assert.equal(request?.updates, 1);
    assert.match(JSON.stringify(request?.blocks), /Rejected\* by <@U0APPROVER>/);
  });

  test('429 is retried after its Retry-After', async () => {
    const state = fresh(fixtures.migrating());
    api.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const started = Date.now();
    const result = await send(notifier, 'started', 'requested', state);
    assert.ok(result.threadTs);
    assert.equal(result.warning, undefined);
    const posts = api.callsTo('chat.postMessage');
    assert.deepEqual(
      posts.map((c) => c.status),
      [429, 200],
    );
    assert.ok(posts[1]!.at - posts[0]!.at >= 950, 'waited for Retry-After');
    assert.ok(Date.now() - started < 3000);
  });

  test('a Retry-After beyond the bound is not waited for: warning, no second try', async () => {
    const state = fresh(fixtures.migrating());
    api.failNext('chat.postMessage', { status: 429, retryAfter: 120 });
    const result = await send(notifier, 'started', 'requested', state);
    assert.equal(result.threadTs, undefined);
    assert.match(result.warning ?? '', /rate limited \(Retry-After 120s\)/);
    assert.equal(api.callsTo('chat.postMessage').length, 1);
  });

  test('transient errors are retried; permanent ones are not', async () => {
    const state = fresh(fixtures.migrating());
    api.failNext('chat.postMessage', { status: 503 });
    api.failNext('chat.postMessage', { error: 'internal_error' });
    assert.ok((await send(notifier, 'started', 'requested', state)).threadTs);
    assert.equal(api.callsTo('chat.postMessage').length, 3);

    api.failNext('chat.postMessage', { error: 'channel_not_found' });
    const result = await send(notifier, 'step', 'sandbox-a: x', state);
    assert.match(result.warning ?? '', /channel_not_found/);
    assert.equal(api.callsTo('chat.postMessage').length, 4);
  });

  test('an outage never throws: it returns a warning, logs it, and the next event posts the parent', async () => {
    const state = fresh(fixtures.migrating());
    api.setOutage({ status: 500 });
    const result = await send(notifier, 'started', 'requested', state);
    assert.deepEqual(Object.keys(result), ['warning']);
    assert.match(result.warning!, /posting the migration message failed: HTTP 500/);
    assert.equal(warnings.length, 1);
    assert.equal(api.callsTo('chat.postMessage').length, FAST_RETRY.maxAttempts);

    api.setOutage(undefined);
    const next = await send(notifier, 'step', 'sandbox-a: association created', state);
    assert.ok(next.threadTs, 'parent posted late');
    assert.equal(api.thread(CHANNEL, next.threadTs).length, 2, 'parent and this step');
  });

  test('while Slack stays down, each call gets one try; the event budget caps waiting', async () => {
    const state = fresh(fixtures.migrating());
    assert.ok((await send(notifier, 'started', 'requested', state)).threadTs);
    api.setOutage({ status: 502 });
    await send(notifier, 'step', 'one', state);
    const first = api.calls.length;
    const result = await send(notifier, 'step', 'two', state);
    assert.equal(api.calls.length - first, 2, 'one try for the parent update, one for the reply');
    assert.match(result.warning ?? '', /updating the migration message failed: HTTP 502.*posting "two" failed/);

    api.setOutage(undefined);
    const budgeted = createSlackNotifier(createSlackWebClient({ botToken: 'xoxb-t', apiUrl: api.apiUrl }), {
      runUrl: (id) => `http://ui/${id}`,
      retry: FAST_RETRY,
      eventBudgetMs: 300,
    });
    api.failNext('chat.update', { status: 429, retryAfter: 1 });
    const started = Date.now();
    const capped = await send(budgeted, 'step', 'three', state);
    assert.ok(Date.now() - started < 900, 'did not wait out a Retry-After beyond the event budget');
    assert.match(capped.warning ?? '', /updating the migration message failed: rate limited/);
  });

  test('events without a Slack target are left to the console notifier', async () => {
    const state = fixtures.migrating();
    delete state.slackThread;
    assert.deepEqual(await notifier.notify(fixtures.notification('started', 'x', state)), {});
    assert.equal(api.calls.length, 0);
  });

  test('the composite notifier joins results and turns a throw into a warning', async () => {
    const lines: string[] = [];
    const composite = createCompositeNotifier([
      { notify: (e) => Promise.resolve(lines.push(e.text) && {}) },
      notifier,
      { notify: () => Promise.reject(new Error('boom')) },
    ]);
    const state = fresh(fixtures.migrating());
    const result = await composite.notify(fixtures.notification('started', 'hello', state));
    assert.deepEqual(lines, ['hello']);
    assert.ok(result.threadTs);
    assert.equal(result.warning, 'notifier: boom');
  });

  test('the worker notifier is console-only without Slack settings, console and Slack with them', async () => {
    const lines: string[] = [];
    const state = fresh(fixtures.migrating());
    const plain = await createWorkerNotifier(loadConfig({}), { log: (l) => lines.push(l) });
    assert.deepEqual(await plain.notify(fixtures.notification('started', 'hello', state)), {});
    assert.equal(api.calls.length, 0);
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: api.apiUrl });
    const both = await createWorkerNotifier(config, { log: (l) => lines.push(l) });
    const result = await both.notify(fixtures.notification('started', 'hello', state));
    assert.ok(result.threadTs);
    assert.equal(lines.length, 2);
    assert.match(
      blocksOf(api.message(CHANNEL, result.threadTs)),
      /127\.0\.0\.1:8233\/namespaces\/default\/workflows\/migrate-identity%2Fpayments%2Freconciler/,
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createSlackWebClient } from '../../../slack/adapters/web-client.js';
import { createSlackNotifier } from '../../../slack/adapters/notifier.js';
import { APPROVAL_BLOCK_ID } from '../../../slack/views/approval-message.js';
import type { CampaignState } from '../../../src/domain/campaign.js';
import type { MigrationState } from '../../../src/domain/migration-state.js';
import type { CampaignNotificationKind, NotificationKind, NotifierPort } from '../../../src/ports/notifier.js';
import { campaignState, digest } from '../../support/campaign-fixtures.js';
import { SlackApiStandIn } from '../../support/slack-api.js';
import * as fixtures from '../../support/slack-fixtures.js';

const CHANNEL = 'C0CHANNEL';
const FAST_RETRY = { maxAttempts: 3, backoffMs: 5, maxRetryAfterMs: 2000, budgetMs: 5000 };

/** Plays the campaign workflow's part: keeps the message ts the notifier returns. */
async function sendCampaign(
  notifier: NotifierPort,
  kind: CampaignNotificationKind,
  text: string,
  state: CampaignState,
) {
  const result =
    (await notifier.notifyCampaign?.({ kind, text, slackThread: state.slackThread, campaign: digest(state) })) ?? {};
  if (result.threadTs && state.slackThread) state.slackThread.threadTs = result.threadTs;
  return result;
}

/** Plays a migration's part, its thread target given by the campaign. */
async function sendMigration(notifier: NotifierPort, kind: NotificationKind, text: string, state: MigrationState) {
  const result = await notifier.notify(fixtures.notification(kind, text, state));
  if (result.threadTs && state.slackThread) state.slackThread.threadTs = result.threadTs;
  return result;
}

describe('Slack notifier: campaigns', () => {
  let api: SlackApiStandIn;
  let notifier: NotifierPort;

  before(async () => {
    api = await SlackApiStandIn.start();
  });
  after(() => api.close());
  beforeEach(() => {
    api.calls.length = 0;
    api.messages.length = 0;
    notifier = createSlackNotifier(createSlackWebClient({ botToken: 'xoxb-t', apiUrl: api.apiUrl }), {
      runUrl: (id, runId) => `http://ui/${id}${runId ? `/${runId}` : ''}`,
      campaignListUrl: (id) => `http://ui/list/${id}`,
      retry: FAST_RETRY,
    });
  });

  test('one message per campaign, kept current; events that need someone get a line, broadcast', async () => {
    const state = campaignState({ slackThread: { channel: CHANNEL }, phase: 'Running' });
    delete state.children[1]!.slackTs;
    const first = await sendCampaign(notifier, 'started', 'campaign q3-shop: 4 service account(s)', state);
    assert.ok(first.threadTs);
    assert.equal(api.messages.length, 1, 'the start is the message itself');
    assert.deepEqual(await sendCampaign(notifier, 'progress', 'shop/cart: Completed', state), {});
    assert.equal(api.messages.length, 1, 'progress only updates the message');
    state.phase = 'AwaitingApproval';
    await sendCampaign(notifier, 'approval-requested', 'wave 2: 2 service account(s) wait for approval', state);
    state.phase = 'Paused';
    state.paused = { by: 'the failure budget', at: state.updatedAt, reason: '2 failed' };
    await sendCampaign(notifier, 'paused', 'paused by the failure budget', state);
    await sendCampaign(notifier, 'resumed', 'resumed by U0APPROVER', state);
    const [message, ...replies] = api.thread(CHANNEL, first.threadTs);
    assert.equal(message?.updates, 4);
    assert.match(JSON.stringify(message?.blocks), /Paused/);
    assert.match(JSON.stringify(message?.blocks), /http:\/\/ui\/list\/q3-shop/);
    assert.deepEqual(
      replies.map((r) => [r.text, r.reply_broadcast]),
      [
        ['wave 2: 2 service account(s) wait for approval', true],
        ['paused by the failure budget', true],
        ['resumed by U0APPROVER', false],
      ],
    );
  });

  test("a failed migration is linked to its message in the campaign's thread and to its run", async () => {
    const state = campaignState({ slackThread: { channel: CHANNEL } });
    const { threadTs } = await sendCampaign(notifier, 'started', 'campaign q3-shop', state);
    const failed = fixtures.rollbackFailed();
    failed.slackThread = { channel: CHANNEL, campaignTs: threadTs };
    const child = await sendMigration(notifier, 'finished', 'ROLLBACK FAILED', failed);
    state.children[1]!.slackTs = child.threadTs;
    await sendCampaign(notifier, 'progress', 'shop/images: RolledBack', state);
    const campaignMessage = JSON.stringify(api.message(CHANNEL, threadTs!)?.blocks);
    assert.match(
      campaignMessage,
      new RegExp(`archives/${CHANNEL}/p${child.threadTs!.replace('.', '')}\\?thread_ts=${threadTs!}`),
    );
    assert.match(campaignMessage, /http:\/\/ui\/migrate-identity\/shop\/images\/run-images\|run/);
    await sendCampaign(notifier, 'progress', 'again', state);
    const asked = api.callsTo('chat.getPermalink').filter((c) => c.args.message_ts === child.threadTs);
    assert.equal(asked.length, 1, 'a permalink is asked for once');
  });

  test('migrations thread under the campaign: one message each, kept current; only what needs someone adds a line', async () => {
    const state = campaignState({ slackThread: { channel: CHANNEL } });
    const { threadTs: campaignTs } = await sendCampaign(notifier, 'started', 'campaign q3-shop', state);
    const run = fixtures.migrating();
    run.slackThread = { channel: CHANNEL, campaignTs };
    const first = await sendMigration(notifier, 'started', 'migration requested', run);
    await sendMigration(notifier, 'step', 'sandbox-a: association a-1 created', run);
    await sendMigration(notifier, 'preflight', 'preflight passed', run);
    const own = api.message(CHANNEL, first.threadTs!);
    assert.equal(own?.thread_ts, campaignTs, "the migration's message is a reply in the campaign's thread");
    assert.equal(own?.updates, 2);
    assert.equal(
      api.thread(CHANNEL, campaignTs!).length,
      2,
      'the campaign message and the migration message, no step lines',
    );

    const waiting = fixtures.awaitingApproval();
    waiting.slackThread = run.slackThread;
    await sendMigration(notifier, 'approval-requested', 'waiting for approval', waiting);
    const request = api.thread(CHANNEL, campaignTs!).at(-1);
    assert.equal(request?.blocks?.[0]?.block_id, APPROVAL_BLOCK_ID);
    assert.equal(request?.reply_broadcast, false, "a campaign's approval requests stay in its thread");

    // After a restart the request is found again among the campaign thread's replies: its own, by service account.
    const other = fixtures.awaitingApproval();
    other.input = { ...other.input, serviceAccount: { namespace: 'shop', name: 'other' } };
    other.slackThread = { channel: CHANNEL, campaignTs };
    await sendMigration(notifier, 'approval-requested', 'waiting for approval', other);
    const restarted = createSlackNotifier(createSlackWebClient({ botToken: 'xoxb-t', apiUrl: api.apiUrl }), {
      runUrl: (id) => `http://ui/${id}`,
      retry: FAST_RETRY,
    });
    const decided = fixtures.approved();
    decided.slackThread = run.slackThread;
    await sendMigration(restarted, 'decision', 'approval gate: approved by U0APPROVER', decided);
    assert.equal(api.message(CHANNEL, request.ts)?.updates, 1);
    assert.match(JSON.stringify(api.message(CHANNEL, request.ts)?.blocks), /Approved\* by <@U0APPROVER>/);
    const otherRequest = api.thread(CHANNEL, campaignTs!).at(-1);
    assert.equal(otherRequest?.updates, 0, "another migration's request is left alone");

    const done = fixtures.completed();
    done.slackThread = run.slackThread;
    const before = api.thread(CHANNEL, campaignTs!).length;
    await sendMigration(notifier, 'finished', 'migration completed', done);
    assert.equal(api.thread(CHANNEL, campaignTs!).length, before, 'a completed migration adds no line');
    const failed = fixtures.rollbackFailed();
    failed.slackThread = run.slackThread;
    await sendMigration(notifier, 'finished', 'ROLLBACK FAILED: manual steps needed', failed);
    assert.match(api.thread(CHANNEL, campaignTs!).at(-1)?.text ?? '', /ROLLBACK FAILED/);
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../slack/views/approval-message.js';
import { encodeApprovalValue, encodeStartModalMetadata } from '../../slack/views/payload.js';
import { FIELD, START_MODAL_CALLBACK_ID } from '../../slack/views/start-modal.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import * as fixtures from '../support/slack-fixtures.js';
import { openPolicy, startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

function text(value: string) {
  return { value: { type: 'plain_text_input', value } };
}

function formValues(overrides: Record<string, Record<string, unknown>> = {}) {
  return {
    [FIELD.serviceAccount]: text('payments/reconciler'),
    [FIELD.role]: text(ROLE),
    [FIELD.clusters]: {
      value: { type: 'multi_static_select', selected_options: [{ value: 'sandbox-b' }, { value: 'sandbox-a' }] },
    },
    [FIELD.approvers]: { value: { type: 'multi_users_select', selected_users: ['U0EXTRA'] } },
    [FIELD.consistencyWait]: text('0s'),
    [FIELD.soak]: { value: { type: 'plain_text_input', value: null } },
    [FIELD.onApprovalTimeout]: { value: { type: 'static_select', selected_option: { value: 'rollback' } } },
    [FIELD.probe]: { value: { type: 'static_select', selected_option: { value: 'aws-sts-json' } } },
    [FIELD.keepIrsaTrust]: { value: { type: 'checkboxes', selected_options: [] } },
    ...overrides,
  };
}

const FORM_POLICY = JSON.stringify({
  rules: [
    {
      namespaces: ['*'],
      starters: { anyone: true },
      approvers: { users: ['U0EXTRA', 'U0APPROVER'] },
      probes: ['aws-sts-json'],
    },
  ],
  probes: { 'aws-sts-json': { argv: ['aws', 'sts', 'get-caller-identity', '--output', 'json'] } },
});

describe('the start form', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({ migrations, policy: FORM_POLICY });
  });
  after(() => h.close());

  test('a bare command opens the modal with the fleet as options', async () => {
    const res = await h.command('', { triggerId: 'trigger-1', channelId: 'C0PLATFORM' });
    assert.equal(res.status, 200);
    const open = await h.api.waitFor(() => h.api.callsTo('views.open')[0], 'views.open');
    assert.equal(open.args.trigger_id, 'trigger-1');
    const view = open.args.view as { callback_id: string; private_metadata: string };
    assert.equal(view.callback_id, START_MODAL_CALLBACK_ID);
    assert.deepEqual(JSON.parse(view.private_metadata), { schemaVersion: 1, channel: 'C0PLATFORM' });
    for (const cluster of ['sandbox-a', 'sandbox-b', 'sandbox-c'])
      assert.match(JSON.stringify(view), new RegExp(cluster));
  });

  test('field errors come back on their blocks and nothing starts', async () => {
    const cases: [Record<string, Record<string, unknown>>, string, RegExp][] = [
      [{ [FIELD.role]: text('arn:aws:iam::1:role/x') }, FIELD.role, /not an IAM role ARN/],
      [{ [FIELD.serviceAccount]: text('payments') }, FIELD.serviceAccount, /<namespace>\/<name>/],
      [{ [FIELD.consistencyWait]: text('soon') }, FIELD.consistencyWait, /--consistency-wait/],
    ];
    for (const [overrides, block, problem] of cases) {
      const res = await h.submit({
        userId: 'U0REQUESTER',
        callbackId: START_MODAL_CALLBACK_ID,
        privateMetadata: JSON.stringify({ channel: 'C0PLATFORM' }),
        values: formValues(overrides),
      });
      assert.equal(res.status, 200);
      const body = JSON.parse(res.text) as { response_action: string; errors: Record<string, string> };
      assert.equal(body.response_action, 'errors');
      assert.deepEqual(Object.keys(body.errors), [block]);
      assert.match(body.errors[block]!, problem);
    }
    assert.equal(migrations.starts.length, 0);
  });

  test('a valid form closes the modal, starts the run, and tells the requester', async () => {
    const res = await h.submit({
      userId: 'U0REQUESTER',
      callbackId: START_MODAL_CALLBACK_ID,
      privateMetadata: encodeStartModalMetadata({ channel: 'C0PLATFORM' }),
      values: formValues(),
    });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    const ephemeral = await h.api.waitFor(() => h.api.callsTo('chat.postEphemeral')[0], 'chat.postEphemeral');
    assert.equal(ephemeral.args.user, 'U0REQUESTER');
    assert.equal(ephemeral.args.channel, 'C0PLATFORM');
    assert.match(String(ephemeral.args.text), /Started the migration of payments\/reconciler/);
    const input = migrations.starts[0]!;
    assert.deepEqual(input.clusters, ['sandbox-b', 'sandbox-a']);
    // The form narrowed the policy's approvers to the one picked.
    assert.deepEqual(input.options.approvers, ['U0EXTRA']);
    assert.equal(input.options.consistencyWaitSeconds, 0);
    assert.equal(input.options.onApprovalTimeout, 'rollback');
    assert.deepEqual(input.options.verifyCommand, ['aws', 'sts', 'get-caller-identity', '--output', 'json']);
    assert.deepEqual(input.notify, { slack: { channel: 'C0PLATFORM', teamId: 'T0TEAM' } });
  });

  test('a form opened before payloads had versions still starts the run in its channel', async () => {
    migrations.states.clear(); // the run the previous test started
    const starts = migrations.starts.length;
    const res = await h.submit({
      userId: 'U0REQUESTER',
      callbackId: START_MODAL_CALLBACK_ID,
      privateMetadata: '{"channel":"C0LEGACY"}',
      values: formValues(),
    });
    assert.equal(res.text, '');
    await h.api.waitFor(() => migrations.starts.length > starts, 'a start');
    assert.deepEqual(migrations.starts.at(-1)!.notify, { slack: { channel: 'C0LEGACY', teamId: 'T0TEAM' } });
    const told = await h.api.waitFor(
      () => h.api.callsTo('chat.postEphemeral').find((c) => c.args.channel === 'C0LEGACY'),
      'chat.postEphemeral',
    );
    assert.match(String(told.args.text), /Started the migration of payments\/reconciler/);
  });

  test('a form from a payload version this app does not know is refused on the form; nothing starts', async () => {
    const starts = migrations.starts.length;
    const res = await h.submit({
      userId: 'U0REQUESTER',
      callbackId: START_MODAL_CALLBACK_ID,
      privateMetadata: JSON.stringify({ schemaVersion: 2, channel: 'C0PLATFORM' }),
      values: formValues(),
    });
    const body = JSON.parse(res.text) as { response_action: string; errors: Record<string, string> };
    assert.equal(body.response_action, 'errors');
    assert.match(body.errors[FIELD.serviceAccount]!, /payload version 2; it reads version 1\): nothing was started/);
    assert.equal(migrations.starts.length, starts);
    assert.ok(h.logger.lines.some((l) => l.startsWith('warn refused a start form') && l.includes('payload version 2')));
  });
});

describe('Approve / Reject buttons', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;
  let state: MigrationState;

  before(async () => {
    migrations = new StubMigrations();
    h = await startSlackHarness({ migrations, policy: openPolicy({ users: ['U0APPROVER'] }) });
  });
  after(() => h.close());
  beforeEach(() => {
    state = fixtures.awaitingApproval();
    // As when the requester is in a configured approver group.
    state.input.options.approvers = [fixtures.APPROVER, fixtures.REQUESTER];
    migrations.states.set(state.workflowId, state);
    migrations.decisions.length = 0;
  });

  const click = (userId: string, actionId: string, value = encodeApprovalValue(digestOf(state))) =>
    h.click({ actionId, value, userId, channelId: 'C0CHANNEL', messageTs: '1700000000.000009' });

  async function refusal(responseId: string): Promise<string> {
    const body = (await h.response(responseId)).body as {
      response_type: string;
      replace_original: boolean;
      text: string;
    };
    assert.equal(body.response_type, 'ephemeral');
    assert.equal(body.replace_original, false);
    return body.text;
  }

  test('the requester cannot approve their own migration: ephemeral refusal, logged, nothing changes', async () => {
    const res = await click(fixtures.REQUESTER, APPROVE_ACTION_ID);
    assert.equal(res.status, 200);
    assert.match(await refusal(res.responseId), /cannot approve it/);
    assert.equal(migrations.decisions.length, 0);
    assert.ok(h.logger.lines.some((l) => l.startsWith('warn refused approve') && l.includes(fixtures.REQUESTER)));
  });

  test('someone who is not an approver is refused', async () => {
    const res = await click('U0STRANGER', REJECT_ACTION_ID);
    assert.match(await refusal(res.responseId), /not an approver/);
    assert.equal(migrations.decisions.length, 0);
  });

  test('a button from an earlier run of the same service account decides nothing', async () => {
    const stale = encodeApprovalValue({ ...digestOf(state), startedAt: '2020-01-01T00:00:00.000Z' });
    const res = await click(fixtures.APPROVER, APPROVE_ACTION_ID, stale);
    assert.match(await refusal(res.responseId), /earlier run/);
    assert.equal(migrations.decisions.length, 0);
  });

  test('an approver approves: the decision goes to the workflow and the message loses its buttons', async () => {
    const updatesBefore = h.api.callsTo('chat.update').length;
    const res = await click(fixtures.APPROVER, APPROVE_ACTION_ID);
    assert.equal(res.status, 200);
    await h.api.waitFor(() => h.api.callsTo('chat.update').length > updatesBefore, 'chat.update');
    assert.deepEqual(migrations.decisions, [
      { decision: 'approve', by: fixtures.APPROVER, serviceAccount: 'payments/reconciler' },
    ]);
    const update = h.api.callsTo('chat.update').at(-1)!;
    assert.equal(update.args.ts, '1700000000.000009');
    assert.doesNotMatch(JSON.stringify(update.args.blocks), /migration_approve/);
    assert.match(JSON.stringify(update.args.blocks), /Approved\* by <@U0APPROVER>/);
  });

  test('a button posted before payloads had versions still decides', async () => {
    const legacy = JSON.stringify({ serviceAccount: 'payments/reconciler', startedAt: state.startedAt });
    const res = await click(fixtures.APPROVER, APPROVE_ACTION_ID, legacy);
    assert.equal(res.status, 200);
    await h.api.waitFor(() => migrations.decisions[0], 'a decision');
    assert.deepEqual(migrations.decisions, [
      { decision: 'approve', by: fixtures.APPROVER, serviceAccount: 'payments/reconciler' },
    ]);
  });

  test('a button from a payload version this app does not know is refused, not misread', async () => {
    const future = JSON.stringify({
      schemaVersion: 2,
      serviceAccount: 'payments/reconciler',
      startedAt: state.startedAt,
    });
    const res = await click(fixtures.APPROVER, APPROVE_ACTION_ID, future);
    assert.match(
      await refusal(res.responseId),
      /^:no_entry: this button comes from a version of migrate-identity this app does not know \(payload version 2; it reads version 1\): nothing was decided/,
    );
    assert.equal(migrations.decisions.length, 0);
    assert.ok(h.logger.lines.some((l) => l.startsWith('warn refused approve of (unknown)')));
  });

  test('the requester, when an approver, may still reject (stop) their own migration', async () => {
    const res = await click(fixtures.REQUESTER, REJECT_ACTION_ID);
    assert.equal(res.status, 200);
    await h.api.waitFor(() => migrations.decisions[0], 'a decision');
    assert.equal(migrations.decisions[0]!.decision, 'reject');
  });
});

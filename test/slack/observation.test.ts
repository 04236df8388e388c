import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { blockLimitViolations, LIMITS } from '../../slack/views/limits.js';
import { END_OBSERVATION_ACTION_ID, observationReply, ROLLBACK_ACTION_ID } from '../../slack/views/observation.js';
import { decodeApprovalValue, encodeApprovalValue } from '../../slack/views/payload.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import * as fixtures from '../support/slack-fixtures.js';
import { startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import { matchSnapshot } from '../support/slack-snapshot.js';
import { StubMigrations } from '../support/slack-stub-migrations.js';

const ONCALL = 'U0ONCALL';
const ALERT = [
  'REGRESSION while observing payments/reconciler:',
  "sandbox-a: 8 Pod Identity Agent credential errors on the cluster (any service account's: the event names none) in 2h (4/h), against 0/h before the migration (0 in 1d): AccessDeniedException ×8; events ev-1",
  'Roll back to IRSA: the button, or `migrate-identity rollback payments/reconciler --reason <why>`',
].join('\n');

const at = (minutes: number) => new Date(Date.parse(fixtures.T0) + minutes * 60_000).toISOString();

function observing(): MigrationState {
  const state = fixtures.completed();
  state.phase = 'Observing';
  state.observation = {
    startedAt: at(21),
    endsAt: at(21 + 7 * 24 * 60),
    sampleSeconds: 4 * 3600,
    samples: [],
    sampleCount: 3,
    alerts: [],
    alertedKeys: [],
    digestsSent: 0,
    roleUsers: [],
  };
  return state;
}

const buttonsOf = (message: ReturnType<typeof observationReply>) =>
  message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));

describe('observation replies', () => {
  test('a regression alert, while observing: the findings, and Roll back and End observation behind confirm dialogs', () => {
    const message = observationReply(fixtures.notification('observation-alert', ALERT, observing()));
    matchSnapshot('observation-alert', message);
    assert.deepEqual(blockLimitViolations(message.blocks), []);
    assert.ok(message.text.length <= LIMITS.messageText);
    const [rollback, end] = buttonsOf(message);
    assert.equal(rollback?.type === 'button' && rollback.action_id, ROLLBACK_ACTION_ID);
    assert.equal(end?.type === 'button' && end.action_id, END_OBSERVATION_ACTION_ID);
    assert.ok(rollback?.type === 'button' && rollback.confirm && rollback.style === 'danger');
    const value = decodeApprovalValue(rollback?.type === 'button' ? rollback.value : undefined);
    assert.deepEqual(value, { ok: true, payload: { serviceAccount: 'payments/reconciler', startedAt: fixtures.T0 } });
  });

  test('once the phase is over its messages carry no buttons', () => {
    const state = observing();
    state.phase = 'Completed';
    const message = observationReply(
      fixtures.notification('observation', 'observation window over:\nsandbox-a: quiet', state),
    );
    matchSnapshot('observation-over', message);
    assert.deepEqual(buttonsOf(message), []);
  });
});

describe('Roll back / End observation buttons', () => {
  let h: SlackHarness;
  let migrations: StubMigrations;
  let state: MigrationState;

  before(async () => {
    migrations = new StubMigrations();
    const policy = JSON.stringify({
      rules: [
        {
          name: 'payments',
          namespaces: ['*'],
          clusters: ['*'],
          starters: { anyone: true },
          approvers: { users: [fixtures.APPROVER, 'U0OTHER'] },
          operators: { users: [ONCALL] },
        },
      ],
    });
    h = await startSlackHarness({ migrations, policy });
  });
  after(() => h.close());
  beforeEach(() => {
    state = observing();
    migrations.states.set(state.workflowId, state);
    migrations.observations.length = 0;
    migrations.refusals.length = 0;
  });

  const click = (userId: string, actionId: string, value = encodeApprovalValue(digestOf(state))) =>
    h.click({ actionId, value, userId, channelId: 'C0CHANNEL', messageTs: '1700000000.000010' });

  async function ephemeral(responseId: string): Promise<string> {
    const body = (await h.response(responseId)).body as { response_type: string; text: string };
    assert.equal(body.response_type, 'ephemeral');
    return body.text;
  }

  test('an operator of the rule rolls back: the Update goes to the workflow with the click as its request', async () => {
    const res = await click(ONCALL, ROLLBACK_ACTION_ID);
    assert.equal(res.status, 200);
    assert.match(await ephemeral(res.responseId), /Rollback requested: payments\/reconciler goes back to IRSA/);
    assert.equal(migrations.observations.length, 1);
    const [request] = migrations.observations;
    assert.deepEqual(
      { action: request?.action, by: request?.by, via: request?.via, channel: request?.channel },
      { action: 'rollback', by: ONCALL, via: 'slack', channel: 'C0CHANNEL' },
    );
    assert.ok(request?.requestId, 'the trigger id');
  });

  test('an approver ends the observation early', async () => {
    const res = await click(fixtures.APPROVER, END_OBSERVATION_ACTION_ID);
    assert.match(await ephemeral(res.responseId), /Observation ended/);
    assert.deepEqual(
      migrations.observations.map((o) => [o.action, o.by]),
      [['end', fixtures.APPROVER]],
    );
  });

  test('someone the policy does not name is refused, and the refusal joins the audit trail', async () => {
    const res = await click('U0STRANGER', ROLLBACK_ACTION_ID);
    assert.match(
      await ephemeral(res.responseId),
      /only the requester, the approvers and the operators of access rule payments may roll back or end the observation of this migration/,
    );
    assert.equal(migrations.observations.length, 0);
    assert.deepEqual(
      migrations.refusals.map((r) => [r.action, r.by]),
      [['rollback', 'U0STRANGER']],
    );
  });

  test('a button of an earlier run, or a run no longer observing, acts on nothing', async () => {
    const stale = encodeApprovalValue({ ...digestOf(state), startedAt: '2020-01-01T00:00:00.000Z' });
    assert.match(await ephemeral((await click(ONCALL, ROLLBACK_ACTION_ID, stale)).responseId), /earlier run/);
    state.phase = 'Completed';
    migrations.states.set(state.workflowId, state);
    const res = await click(ONCALL, ROLLBACK_ACTION_ID);
    assert.match(
      await ephemeral(res.responseId),
      /rollback refused: the migration is not observing \(phase Completed\)/,
    );
    assert.equal(migrations.observations.length, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/domain/migration-digest.js';
import type { MigrationState } from '../../../src/domain/migration-state.js';
import type { Notification, NotificationKind } from '../../../src/ports/notifier.js';
import {
  APPROVAL_BLOCK_ID,
  APPROVE_ACTION_ID,
  approvalMessage,
  approvalReminder,
  REJECT_ACTION_ID,
} from '../../../slack/views/approval-message.js';
import { decodeApprovalValue, encodeApprovalValue } from '../../../slack/views/payload.js';
import type { KnownBlock, SlackMessage } from '../../../slack/views/block-kit.js';
import {
  abortReply,
  errorReply,
  helpReply,
  listReply,
  planReply,
  startedReply,
  statusReply,
} from '../../../slack/views/command-replies.js';
import { eventReply } from '../../../slack/views/event-reply.js';
import { blockLimitViolations, fitMessage, LIMITS } from '../../../slack/views/limits.js';
import { parentMessage } from '../../../slack/views/parent-message.js';
import * as fixtures from '../../support/slack-fixtures.js';
import { matchSnapshot } from '../../support/slack-snapshot.js';

const URL = 'http://127.0.0.1:8233/namespaces/default/workflows/migrate-identity%2Fpayments%2Freconciler';

const STATES: Record<string, () => MigrationState> = {
  migrating: fixtures.migrating,
  'awaiting-approval': fixtures.awaitingApproval,
  approved: fixtures.approved,
  completed: fixtures.completed,
  rejected: fixtures.rejected,
  'rollback-failed': fixtures.rollbackFailed,
  'preflight-failed': fixtures.preflightFailed,
};

const event = (kind: NotificationKind, text: string, state: MigrationState) => fixtures.notification(kind, text, state);

function withinLimits(message: SlackMessage): void {
  assert.deepEqual(blockLimitViolations(message.blocks), []);
  assert.ok(message.text.length > 0 && message.text.length <= LIMITS.messageText);
}

function buttons(blocks: KnownBlock[]) {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).filter((e) => e.type === 'button');
}

describe('parent message', () => {
  for (const [name, state] of Object.entries(STATES)) {
    test(name, () => {
      const message = parentMessage(digestOf(state()), URL);
      matchSnapshot(`parent-${name}`, message);
      withinLimits(message);
    });
  }

  test('shows requester, role, every cluster, phase and the Temporal UI link', () => {
    const text = JSON.stringify(parentMessage(digestOf(fixtures.migrating()), URL));
    for (const part of ['<@U0REQUESTER>', 'eks-payments-reconciler', 'sandbox-a', 'sandbox-b', 'Migrating', URL]) {
      assert.ok(text.includes(part), `missing ${part}`);
    }
  });
});

describe('thread replies', () => {
  const cases: [string, Notification][] = [
    ['preflight', event('preflight', 'preflight passed for 2 cluster(s)', fixtures.migrating())],
    ['step', event('step', 'sandbox-a: association a-1 created', fixtures.migrating())],
    [
      'verify',
      event(
        'step',
        'sandbox-a: 2 pod(s) on pod-identity; caller identity arn:aws:sts::111122223333:assumed-role/r/s',
        fixtures.migrating(),
      ),
    ],
    ['decision-approved', event('decision', 'approval gate: approved by U0APPROVER', fixtures.approved())],
    ['decision-rejected', event('decision', 'approval gate: rejected by U0APPROVER', fixtures.rejected())],
    ['rollback-step', event('rollback-step', 'sandbox-b: association a-b deleted', fixtures.rejected())],
    [
      'rollback-step-failed',
      event('rollback-step', 'sandbox-b: rollback-restart FAILED: boom', fixtures.rollbackFailed()),
    ],
    ['finished-completed', event('finished', 'migration completed: sandbox-a, sandbox-b', fixtures.completed())],
    [
      'finished-rollback-failed',
      event('finished', 'ROLLBACK FAILED: manual steps needed:\nx', fixtures.rollbackFailed()),
    ],
    ['finished-preflight-failed', event('finished', 'preflight blocked the migration', fixtures.preflightFailed())],
  ];
  for (const [name, e] of cases) {
    test(name, () => {
      const message = eventReply(e);
      matchSnapshot(`reply-${name}`, message);
      withinLimits(message);
    });
  }

  test('escapes what Slack would read as markup', () => {
    const message = eventReply(event('step', 'a <b> & c', fixtures.migrating()));
    assert.ok(JSON.stringify(message.blocks).includes('a &lt;b&gt; &amp; c'));
  });
});

describe('approval message', () => {
  test('open: mentions approvers (not the requester), summarises cleanup, has confirmed buttons', () => {
    const state = fixtures.awaitingApproval();
    const message = approvalMessage(digestOf(state));
    matchSnapshot('approval-open', message);
    withinLimits(message);
    const text = JSON.stringify(message.blocks);
    assert.ok(text.includes('<@U0APPROVER>') && text.includes('<@U0OTHER>'));
    assert.ok(!text.includes('Approval needed <@U0REQUESTER>'));
    assert.ok(text.includes('remove the IRSA annotation') && text.includes('IRSA trust for 2'));
    assert.equal(message.blocks[0]?.block_id, APPROVAL_BLOCK_ID);
    const [approve, reject] = buttons(message.blocks);
    assert.equal(approve?.action_id, APPROVE_ACTION_ID);
    assert.equal(reject?.action_id, REJECT_ACTION_ID);
    assert.ok(approve?.confirm && reject?.confirm);
    assert.deepEqual(decodeApprovalValue(approve.value), {
      ok: true,
      payload: { serviceAccount: 'payments/reconciler', startedAt: fixtures.T0 },
    });
  });

  for (const [name, state] of [
    ['approved', fixtures.approved],
    ['rejected', fixtures.rejected],
    ['aborted', () => ({ ...fixtures.awaitingApproval(), abortRequested: { by: 'U0OTHER', at: fixtures.T0 } })],
    ['expired', () => ({ ...fixtures.awaitingApproval(), phase: 'MigratedNotCleaned' as const })],
  ] as const) {
    test(`${name}: says who and when, keeps its block id, no buttons`, () => {
      const message = approvalMessage(digestOf(state()));
      matchSnapshot(`approval-${name}`, message);
      withinLimits(message);
      assert.equal(buttons(message.blocks).length, 0);
      assert.equal(message.blocks[0]?.block_id, APPROVAL_BLOCK_ID);
    });
  }

  test('more than one approval needed: says how many, who gave one, and which access rule set the approvers', () => {
    const state = fixtures.awaitingApproval();
    state.input.options.minApprovals = 2;
    state.input.access = { rule: 'payments-prod', operators: [], anyoneMayOperate: false };
    state.approvals = [{ decision: 'approve', by: fixtures.APPROVER, at: fixtures.T0 }];
    const message = approvalMessage(digestOf(state));
    withinLimits(message);
    const text = JSON.stringify(message.blocks);
    assert.match(text, /\*2 approvals needed\* \(1 so far: <@U0APPROVER>\)/);
    assert.match(text, /Approvers from access rule `payments-prod`/);
    assert.equal(buttons(message.blocks).length, 2, 'still open: the buttons stay');

    state.approvals.push({ decision: 'approve', by: 'U0OTHER', at: fixtures.T0 });
    state.decision = { decision: 'approve', by: 'U0OTHER', at: fixtures.T0 };
    state.phase = 'CleaningUp';
    const closed = JSON.stringify(approvalMessage(digestOf(state)).blocks);
    assert.match(closed, /Approved\* by <@U0APPROVER> <@U0OTHER>/);
  });

  test('reminder mentions the approvers', () => {
    const state = fixtures.awaitingApproval();
    state.approval!.remindersSent = 2;
    const message = approvalReminder(digestOf(state));
    matchSnapshot('approval-reminder', message);
    assert.ok(JSON.stringify(message).includes('<@U0APPROVER>'));
  });

  test('button values decode only when well formed', () => {
    for (const malformed of ['not json', '{"serviceAccount":1}', undefined]) {
      assert.deepEqual(decodeApprovalValue(malformed), { ok: false, refusal: 'this button does not name a migration' });
    }
    assert.ok(encodeApprovalValue(digestOf(fixtures.huge())).length <= LIMITS.buttonValue);
  });
});

describe('command replies', () => {
  test('snapshots', () => {
    matchSnapshot('command-help', helpReply());
    matchSnapshot('command-error', errorReply('missing --role <role-arn>'));
    matchSnapshot('command-started', startedReply('payments/reconciler', URL));
    matchSnapshot('command-abort', abortReply('payments/reconciler', URL));
    matchSnapshot('command-status', statusReply(fixtures.migrating(), URL, 'A migration is already running:'));
    matchSnapshot('command-plan', planReply(fixtures.plan()));
    matchSnapshot(
      'command-list',
      listReply([
        {
          workflowId: 'migrate-identity/payments/reconciler',
          runId: 'r1',
          serviceAccount: 'payments/reconciler',
          phase: 'Migrating',
          status: 'RUNNING',
          startTime: fixtures.T0,
          url: URL,
        },
      ]),
    );
    for (const m of [helpReply(), statusReply(fixtures.migrating(), URL), planReply(fixtures.plan()), listReply([])]) {
      withinLimits(m);
    }
  });
});

describe('the audit trail and the run’s access in replies', () => {
  test('status lists the latest audit entries: who, what, from where, what was refused', () => {
    const state = fixtures.awaitingApproval();
    state.audit = [
      { at: fixtures.T0, action: 'start', by: fixtures.REQUESTER, via: 'slack', channel: 'C0OPS' },
      { at: fixtures.T0, action: 'approve', by: 'U0STRANGER', via: 'slack', refused: 'not an approver' },
    ];
    const message = statusReply(state, URL);
    withinLimits(message);
    const text = JSON.stringify(message.blocks);
    assert.match(text, /Audit trail/);
    assert.match(text, /U0REQUESTER start \(slack, C0OPS\)/);
    assert.match(text, /U0STRANGER approve \(slack\): refused: not an approver/);
  });

  test('the started reply names the access rule, the approvals needed and the probe', () => {
    const input = fixtures.migrating().input;
    input.access = { rule: 'payments', operators: [], anyoneMayOperate: false };
    input.options.minApprovals = 2;
    input.options.verifyProbe = 'aws-sts-json';
    const text = JSON.stringify(startedReply('payments/reconciler', URL, input).blocks);
    assert.match(
      text,
      /Access rule `payments`: 2 approval\(s\) needed from <@U0APPROVER> <@U0OTHER> · probe `aws-sts-json`/,
    );
  });

  test('fitMessage is the last guard: long fallback text cut, blocks over a limit dropped, at most 50', () => {
    const fitted = fitMessage({
      text: 'x'.repeat(1_000_000),
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'ok' } },
        { type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(5000) } },
        ...Array.from({ length: 60 }, (): KnownBlock => ({ type: 'divider' })),
      ],
    });
    assert.equal(fitted.text.length, 3000);
    assert.equal(fitted.blocks.length, 50);
    assert.deepEqual(blockLimitViolations(fitted.blocks), []);
    assert.equal(errorReply('e'.repeat(100_000)).text.length, 1000);
  });
});

describe('Slack limits hold for the largest states', () => {
  const big = fixtures.huge();
  const bigPlan = {
    ...fixtures.plan(),
    findings: big.findings,
    clusters: [] as ReturnType<typeof fixtures.plan>['clusters'],
  };
  for (let i = 0; i < 80; i++)
    bigPlan.clusters.push({ ...fixtures.plan().clusters[0]!, cluster: `c${i}-${'y'.repeat(80)}` });
  const messages: [string, SlackMessage][] = [
    ['parent', parentMessage(digestOf(big), URL)],
    ['status', statusReply(big, URL, 'n'.repeat(4000))],
    ['approval', approvalMessage(digestOf(big))],
    ['reminder', approvalReminder(digestOf(big))],
    ['preflight reply', eventReply(event('preflight', 'p'.repeat(5000), big))],
    ['finished reply', eventReply(event('finished', 'f'.repeat(5000), { ...big, phase: 'PreflightFailed' }))],
    ['plan', planReply(bigPlan)],
    [
      'list',
      listReply(
        Array.from({ length: 500 }, (_, i) => ({
          workflowId: `w${i}`,
          runId: 'r',
          serviceAccount: `ns/sa-${i}-${'z'.repeat(100)}`,
          phase: 'Migrating',
          status: 'RUNNING',
          startTime: fixtures.T0,
          url: URL,
        })),
      ),
    ],
  ];
  for (const [name, message] of messages) {
    test(name, () => withinLimits(message));
  }

  test('the checker itself catches each kind of violation', () => {
    const long = 'x'.repeat(3001);
    const blocks: KnownBlock[] = [
      ...Array.from({ length: 51 }, (): KnownBlock => ({ type: 'divider' })),
      { type: 'section', text: { type: 'mrkdwn', text: long } },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'b' }, value: 'v'.repeat(2001), action_id: 'a' },
        ],
      },
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
    ];
    const problems = blockLimitViolations(blocks);
    assert.equal(problems.length, 4, problems.join('\n'));
  });
});

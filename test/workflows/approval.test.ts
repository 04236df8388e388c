import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import {
  advanceUntil,
  APPROVER,
  migrationInput,
  REQUESTER,
  type Harness,
  useWorkflowHarness,
} from '../support/migration-harness.js';

const SA = { namespace: 'payments', name: 'reconciler' };

describe('migration workflow: approval gate', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  useWorkflowHarness((e, harness) => {
    env = e;
    h = harness;
  });

  const toGate = async (options: Parameters<typeof migrationInput>[0] = {}) => {
    await h.fleet.control.reset();
    const before = await h.fleet.control.essentials();
    const input = migrationInput({ soakSeconds: 0, ...options });
    await h.service.start(input);
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    const state = await advanceUntil(
      env,
      handle,
      (s) => s.phase !== 'Preflight' && s.phase !== 'Trust' && s.phase !== 'Migrating',
    );
    assert.equal(state.phase, 'AwaitingApproval', JSON.stringify(state.failure));
    return { before, handle, input };
  };

  test('the validator refuses self-approval, non-approvers and decisions outside the gate, changing nothing', async () => {
    await h.fleet.control.reset();
    const input = migrationInput({ soakSeconds: 0 });
    await h.service.start(input);
    await assert.rejects(
      h.service.decide(SA, { decision: 'approve', by: APPROVER }),
      (err: unknown) =>
        err instanceof MigrationRequestError &&
        /no decision is expected now: the migration is in phase/.test(err.message),
    );
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
    await assert.rejects(
      h.service.decide(SA, { decision: 'approve', by: REQUESTER }),
      /alice requested this migration and cannot approve it/,
    );
    await assert.rejects(h.service.decide(SA, { decision: 'approve', by: 'mallory' }), /mallory is not an approver/);
    await assert.rejects(h.service.decide(SA, { decision: 'reject', by: 'mallory' }), /mallory is not an approver/);
    const state = await h.service.state(SA);
    assert.equal(state.phase, 'AwaitingApproval');
    assert.equal(state.decision, undefined);
    const approved = await h.service.decide(SA, { decision: 'approve', by: APPROVER });
    assert.equal(approved.decision?.by, APPROVER);
    await assert.rejects(
      h.service.decide(SA, { decision: 'reject', by: APPROVER }),
      /already decided|no decision is expected/,
    );
    assert.equal((await h.service.result(SA)).phase, 'Completed');
  });

  test('the approval window ends in hold: migrated, IRSA kept, reminders sent on the durable timer', async () => {
    const { handle } = await toGate();
    const migrated = await h.fleet.control.essentials();
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'MigratedNotCleaned');
    // 7-day window, 24 h reminders: at 24 h … 144 h.
    assert.equal(final.approval?.remindersSent, 6);
    assert.equal(Date.parse(final.approval.expiresAt) - Date.parse(final.approval.requestedAt), 7 * 24 * 3600 * 1000);
    assert.deepEqual(await h.fleet.control.essentials(), migrated, 'nothing changed after the gate');
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
  });

  test('the approval window ends in rollback when configured', async () => {
    const { before } = await toGate({
      onApprovalTimeout: 'rollback',
      approvalWindowSeconds: 3600,
      approvalReminderSeconds: 600,
    });
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'RolledBack');
    assert.equal(final.approval?.remindersSent, 5);
    assert.deepEqual(await h.fleet.control.essentials(), before);
  });
});

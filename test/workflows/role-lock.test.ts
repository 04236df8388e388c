import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { decisionUpdate, stateQuery } from '../../workflows/messages.js';
import { APPROVER, migrationInput, startHarness, waitForState, type Harness } from '../support/migration-harness.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

/*
 * The role lock (workflows/role-lock.ts) as the runs around it use it: its grants replay.
 */
const FAST = { soakSeconds: 0, consistencyWaitSeconds: 1 };
const TERMINAL = ['Completed', 'RolledBack', 'RollbackFailed', 'PreflightFailed', 'MigratedNotCleaned'];

describe('role lock: grants replay', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env);
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });

  const handleOf = (input: MigrationInput) => env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
  const until = (s: (state: MigrationState) => boolean) => (state: MigrationState) =>
    s(state) || TERMINAL.includes(state.phase);

  test('a run queried throughout and approved through the validator replays from its history', async () => {
    // Queries and update validators run on the live worker only, never on replay: whatever
    // they draw from the workflow's random stream (the OpenTelemetry interceptor's span ids)
    // must not change what the run does after them, such as the id of its next lock request.
    const input = migrationInput(FAST);
    await h.service.start(input);
    const handle = handleOf(input);
    const gateState = await waitForState(
      handle,
      until((s) => s.phase === 'AwaitingApproval'),
      { intervalMs: 20 },
    );
    assert.equal(gateState.phase, 'AwaitingApproval', JSON.stringify(gateState.failure));
    for (let i = 0; i < 5; i++) await handle.query(stateQuery);
    await assert.rejects(
      handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: 'mallory' }] }),
      'the validator refuses a non-approver',
    );
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
    const final = await waitForState(
      handle,
      until(() => false),
      { intervalMs: 20 },
    );
    assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));

    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    const grantsAfter = events
      .slice(accepted)
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'roleLockGranted');
    assert.ok(accepted > 0 && grantsAfter.length > 0, 'the run took the lock after the approval (IRSA trust removal)');
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  });
});

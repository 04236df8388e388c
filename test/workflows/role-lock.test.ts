import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { IamPort } from '../../src/ports/iam.js';
import { abortSignal, decisionUpdate, stateQuery } from '../../workflows/messages.js';
import { roleLockStateQuery, roleLockWorkflowId, type RoleLockState } from '../../workflows/role-lock.js';
import { APPROVER, migrationInput, startHarness, waitForState, type Harness } from '../support/migration-harness.js';
import { createTimeSkippingEnv, workflowBundle } from '../support/temporal.js';

/*
 * The role lock (workflows/role-lock.ts) as the runs around it use it: its grants replay,
 * and no run that has stopped waiting or has ended keeps other runs off the role. Time
 * skipping stays locked (queries only), so the 15-minute lease runs on the wall clock: a
 * lock that waited for it would fail these tests by timing out.
 */
const SHARED_ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-shared';
const FAST = { soakSeconds: 0, consistencyWaitSeconds: 1 };
const TERMINAL = ['Completed', 'RolledBack', 'RollbackFailed', 'PreflightFailed', 'MigratedNotCleaned'];

const shared = (name: 'settlement' | 'payouts') =>
  migrationInput(FAST, {
    serviceAccount: { namespace: 'payments', name },
    roleArn: SHARED_ROLE_ARN,
    clusters: ['sandbox-a', 'sandbox-c'],
  });

/** IAM whose reads of the role's trust (under the lock) wait while `held` names the calling workflow. */
function holdingIam(iam: IamPort, gate: { held?: string; open: (() => void)[] }): IamPort {
  return {
    ...iam,
    async getRole(roleName) {
      const info = Context.current().info;
      if (info.activityType === 'readPodIdentityTrust' && info.workflowExecution?.workflowId === gate.held) {
        await new Promise<void>((resolve) => gate.open.push(resolve));
      }
      return iam.getRole(roleName);
    },
  };
}

describe('role lock: grants replay, and no stopped or ended run keeps the role', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  const gate: { held?: string; open: (() => void)[] } = { open: [] };
  const openGate = () => {
    gate.held = undefined;
    for (const open of gate.open.splice(0)) open();
  };

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env, { iam: (iam) => holdingIam(iam, gate) });
  });
  after(async () => {
    openGate();
    await h?.stop();
    await env?.teardown();
  });
  beforeEach(async () => {
    openGate();
    for (const input of [migrationInput(FAST), shared('settlement'), shared('payouts')]) {
      await handleOf(input)
        .terminate('next test')
        .catch(() => undefined);
    }
    await h.fleet.control.reset();
  });

  const handleOf = (input: MigrationInput) => env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
  const lock = () => env.client.workflow.getHandle(roleLockWorkflowId(SHARED_ROLE_ARN));
  const until = (s: (state: MigrationState) => boolean) => (state: MigrationState) =>
    s(state) || TERMINAL.includes(state.phase);

  /** Polls the lock's state on the wall clock until `done`, or fails saying `what`. */
  async function lockState(done: (state: RoleLockState) => boolean, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await queryLock();
      if (state && done(state)) return state;
      assert.ok(Date.now() < deadline, `${what} (lock: ${JSON.stringify(state)})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const queryLock = () =>
    lock()
      .query(roleLockStateQuery)
      .catch(() => undefined);

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

  test('a holder terminated while it holds the lock: the next run gets it in seconds, not after the lease', async () => {
    const settlement = shared('settlement');
    const payouts = shared('payouts');
    gate.held = workflowIdFor(settlement.serviceAccount);
    await h.service.start(settlement);
    await lockState((s) => s.holder?.workflowId === gate.held, 'settlement holds the lock');
    await h.service.start(payouts);
    await lockState((s) => s.queue.length === 1, 'payouts waits for the lock');

    await handleOf(settlement).terminate('the holder is gone: no finally, no release');
    const handedOver = Date.now();
    await lockState(
      (s) => s.holder?.workflowId === workflowIdFor(payouts.serviceAccount) || s.holder === undefined,
      'the lock passed on within 30 s of the termination',
    );
    assert.ok(Date.now() - handedOver < 30_000);
    const state = await waitForState(
      handleOf(payouts),
      until((s) => s.phase === 'AwaitingApproval'),
      {
        timeoutMs: 60_000,
      },
    );
    assert.equal(state.phase, 'AwaitingApproval', JSON.stringify(state.failure));
    assert.equal(state.rollbackNote.addedTrustStatementSid, 'MigrateIdentityPodIdentity', 'payouts wrote the trust');
  });

  test('a run cancelled while it waits for the lock withdraws its request: the lock does not wait out its lease', async () => {
    const settlement = shared('settlement');
    const payouts = shared('payouts');
    gate.held = workflowIdFor(settlement.serviceAccount);
    await h.service.start(settlement);
    await lockState((s) => s.holder?.workflowId === gate.held, 'settlement holds the lock');
    await h.service.start(payouts);
    await lockState((s) => s.queue.length === 1, 'payouts waits for the lock');

    await handleOf(payouts).cancel();
    await lockState((s) => s.queue.length === 0, 'the cancelled run withdrew its request', 10_000);
    const cancelled = await waitForState(
      handleOf(payouts),
      until(() => false),
    );
    assert.equal(cancelled.phase, 'RolledBack', JSON.stringify(cancelled.failure));

    openGate();
    const state = await waitForState(
      handleOf(settlement),
      until((s) => s.phase === 'AwaitingApproval'),
    );
    assert.equal(state.phase, 'AwaitingApproval', JSON.stringify(state.failure));
    await lockState((s) => s.holder === undefined && s.queue.length === 0, 'nobody holds or waits for the lock');
  });

  test('a holder aborted while it holds the lock releases it on the way out, before its rollback ends', async () => {
    const settlement = shared('settlement');
    const payouts = shared('payouts');
    gate.held = workflowIdFor(settlement.serviceAccount);
    await h.service.start(settlement);
    await lockState((s) => s.holder?.workflowId === gate.held, 'settlement holds the lock');
    await h.service.start(payouts);
    await lockState((s) => s.queue.length === 1, 'payouts waits for the lock');

    // An abort while the holder reads: the read finishes, the run stops at its next
    // boundary and rolls back; the lock goes to payouts once settlement's finally releases it.
    await handleOf(settlement).signal(abortSignal, { by: 'alice' });
    openGate();
    const state = await waitForState(
      handleOf(payouts),
      until((s) => s.phase === 'AwaitingApproval'),
    );
    assert.equal(state.phase, 'AwaitingApproval', JSON.stringify(state.failure));
    const aborted = await waitForState(
      handleOf(settlement),
      until(() => false),
    );
    assert.equal(aborted.phase, 'RolledBack', JSON.stringify(aborted.failure));
  });
});

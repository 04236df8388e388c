import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { Fault } from '../../src/sandbox/index.js';
import { decisionUpdate, stateQuery } from '../../workflows/messages.js';
import {
  advanceUntil,
  APPROVER,
  endRoleLock,
  migrationInput,
  startHarness,
  type Harness,
  useWorkflowHarness,
} from '../support/migration-harness.js';

const CLUSTERS = ['sandbox-a', 'sandbox-b', 'sandbox-c'];

/** Runs the migration to its end, approving at the gate; returns the final state. */
async function runToEnd(env: TestWorkflowEnvironment, h: Harness, input = migrationInput({ soakSeconds: 60 })) {
  await h.service.start(input);
  const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
  const s = await advanceUntil(
    env,
    handle,
    (st) => st.phase === 'AwaitingApproval' || ['RolledBack', 'RollbackFailed', 'PreflightFailed'].includes(st.phase),
    { stepMs: 30_000 },
  );
  if (s.phase === 'AwaitingApproval') {
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
  }
  return h.service.result(input.serviceAccount);
}

describe('migration workflow: rollback', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  useWorkflowHarness((e, harness) => {
    env = e;
    h = harness;
  });

  test('Reject at the approval gate rolls every cluster back to IRSA exactly as it was', async () => {
    await h.fleet.control.reset();
    const before = await h.fleet.control.essentials();
    const input = migrationInput({ soakSeconds: 0 });
    await h.service.start(input);
    const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
    await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
    assert.notDeepEqual(await h.fleet.control.essentials(), before, 'the migration changed the fleet');
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'reject', by: APPROVER, reason: 'not today' }] });
    const final = await h.service.result(input.serviceAccount);
    assert.equal(final.phase, 'RolledBack');
    assert.equal(final.failure?.type, 'Rejected');
    assert.deepEqual(
      final.clusters.map((c) => c.status),
      ['rolled-back', 'rolled-back', 'rolled-back'],
    );
    assert.equal(final.manualSteps, undefined);
    assert.deepEqual(await h.fleet.control.essentials(), before);
    // Compensations ran newest cluster first.
    const firstRollback = (c: MigrationState['clusters'][number]) =>
      Date.parse(c.steps.find((s) => s.step.startsWith('rollback-'))!.startedAt);
    assert.ok(firstRollback(final.clusters[2]!) <= firstRollback(final.clusters[0]!));
  });

  const faults: { step: Fault['step']; kind: Fault['kind'] }[] = [
    { step: 'describe-cluster', kind: 'error' },
    { step: 'list-pods', kind: 'error' },
    { step: 'create-association', kind: 'error' },
    { step: 'restart', kind: 'error' },
    { step: 'rollout', kind: 'stuck' },
    { step: 'exec', kind: 'error' },
    { step: 'annotate', kind: 'error' },
  ];
  for (const cluster of CLUSTERS) {
    for (const fault of faults) {
      test(`a fault at ${fault.step} (${fault.kind}) in ${cluster} leaves the fleet as it was`, async () => {
        await h.fleet.control.reset();
        const before = await h.fleet.control.essentials();
        await h.fleet.control.setFault({ cluster, step: fault.step, kind: fault.kind, count: 1 });
        const final = await runToEnd(env, h);
        const preflightStep = fault.step === 'describe-cluster' || fault.step === 'list-pods';
        assert.equal(final.phase, preflightStep ? 'PreflightFailed' : 'RolledBack', JSON.stringify(final.failure));
        if (!preflightStep) assert.equal(final.failure?.cluster, cluster);
        assert.deepEqual(await h.fleet.control.essentials(), before);
      });
    }
  }

  test('a fault writing the trust policy rolls back with nothing left behind', async () => {
    await h.fleet.control.reset();
    const before = await h.fleet.control.essentials();
    await h.fleet.control.setFault({ cluster: '*', step: 'update-trust', kind: 'error', count: 1 });
    const final = await runToEnd(env, h);
    assert.equal(final.phase, 'RolledBack');
    assert.equal(final.failure?.step, 'trust');
    assert.deepEqual(await h.fleet.control.essentials(), before);
  });

  test('throttling and timeouts are retried with backoff: the migration completes with one association per cluster', async () => {
    await h.fleet.control.reset();
    await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'create-association', kind: 'throttle', count: 2 });
    await h.fleet.control.setFault({ cluster: 'sandbox-c', step: 'restart', kind: 'timeout', count: 1 });
    const final = await runToEnd(env, h);
    assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
    const calls = await h.fleet.control.calls();
    // Two throttled attempts and the one that succeeded; the timed-out restart was tried again.
    assert.equal(calls['sandbox-b:createPodIdentityAssociation'], 3);
    assert.ok((calls['sandbox-c:restartWorkload'] ?? 0) >= 2);
    const essentials = await h.fleet.control.essentials();
    assert.equal(essentials.associations.length, 3);
  });

  test('pods restarted before the association propagates are caught by verification and rolled back', async () => {
    const slow = await startHarness(env, { sandbox: { consistencyDelayMs: 3_600_000 } });
    try {
      const before = await slow.fleet.control.essentials();
      const final = await runToEnd(env, slow, migrationInput({ consistencyWaitSeconds: 0 }));
      assert.equal(final.phase, 'RolledBack');
      assert.equal(final.failure?.type, 'VerificationFailed');
      assert.match(final.failure?.message ?? '', /irsa/);
      // Checked in the restart's activity: the verify step failed, the restart did not.
      assert.deepEqual([final.failure?.cluster, final.failure?.step], ['sandbox-a', 'verify']);
      const steps = final.clusters.find((c) => c.cluster === 'sandbox-a')?.steps ?? [];
      const pairs = steps
        .filter((s) => s.step === 'restart' || s.step === 'verify')
        .map((s) => `${s.step} ${s.status}`);
      assert.ok(pairs.length >= 2, pairs.join(', '));
      // Waited and restarted again within the retry window, then called a failure.
      assert.deepEqual(
        pairs,
        pairs.map((_, i) =>
          i % 2 === 0 ? 'restart succeeded' : i === pairs.length - 1 ? 'verify failed' : 'verify retried',
        ),
      );
      assert.deepEqual(await slow.fleet.control.essentials(), before);
    } finally {
      await slow.stop();
      await endRoleLock(env);
    }
  });

  test('a compensation that keeps failing ends RollbackFailed with the exact manual steps', async () => {
    await h.fleet.control.reset();
    await h.fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'error', count: -1 });
    const input = migrationInput({ soakSeconds: 0 });
    await h.service.start(input);
    const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
    await assert.rejects(handle.result(), /RollbackFailed|rollback incomplete|Workflow execution failed/);
    const state = await handle.query(stateQuery);
    assert.equal(state.phase, 'RollbackFailed');
    const steps = state.manualSteps?.join('\n') ?? '';
    assert.match(steps, /sandbox-b: kubectl -n payments rollout restart/);
    assert.match(steps, /sandbox-b: then kubectl -n payments exec/);
    assert.equal(state.clusters[1]!.status, 'failed');
    assert.equal(state.clusters[0]!.status, 'rolled-back', 'the other cluster still rolled back');
    await h.fleet.control.clearFaults();
  });
});

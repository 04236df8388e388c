import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { decisionUpdate } from '../../workflows/messages.js';
import { assertInvariantNow, watchInvariant } from '../support/invariant.js';
import { APPROVER, migrationInput, startHarness, waitForState, type Harness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

/*
 * Eventual consistency both ways (issue 12 §2). EKS API reference: associations "are
 * eventually consistent, and may take several seconds to be effective after the initial
 * API call returns"; the seed runbook: "some pods may not immediately observe the change.
 * Build a short retry window". The sandbox here propagates creates and deletes in 2 s (to
 * the webhook and to List), and the run waits only 1 s: nothing is broken, so the run must
 * neither fail nor roll back for it. Time skipping stays locked (queries only): durable
 * timers run on the wall clock, as the sandbox does.
 */
const TERMINAL = ['Completed', 'RolledBack', 'RollbackFailed', 'PreflightFailed', 'MigratedNotCleaned'];

describe('eventual consistency: a consistency wait shorter than propagation', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  const watch = watchInvariant();

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env, {
      sandbox: { consistencyDelayMs: 2000, listDelayMs: 2000, podStartMs: 5, observe: watch.observe },
    });
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });

  const retried = (state: MigrationState, step: string) =>
    state.clusters.flatMap((c) => c.steps.filter((s) => s.step === step && s.status === 'retried'));

  test('--consistency-wait 1s: pods still on IRSA are waited for and restarted again, then Reject rolls back cleanly', async () => {
    const before = await h.fleet.control.essentials();
    const input = migrationInput({ consistencyWaitSeconds: 1, soakSeconds: 0 });
    await h.service.start(input);
    const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
    const gate = await waitForState(handle, (s) => s.phase === 'AwaitingApproval' || TERMINAL.includes(s.phase));
    assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
    assert.equal(gate.failure, undefined);
    assert.equal(gate.consistencyRetryWindowSeconds, 300, 'the default retry window, recorded in state');
    const early = retried(gate, 'verify');
    assert.ok(early.length >= 1, 'at least one cluster restarted before the association reached the webhook');
    assert.match(
      early[0]!.detail ?? '',
      /pod\(s\) still on IRSA .*: the association change has not reached the webhook yet; retry 1 after 1s \(\d+s of the 300s retry window used\)/,
    );
    for (const c of gate.clusters) {
      assert.equal(c.status, 'migrated', c.cluster);
      assert.equal(c.steps.filter((s) => s.step === 'verify').at(-1)?.status, 'succeeded', c.cluster);
    }

    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'reject', by: APPROVER }] });
    const final = await waitForState(handle, (s) => TERMINAL.includes(s.phase));
    assert.equal(final.phase, 'RolledBack', JSON.stringify({ failure: final.failure, manual: final.manualSteps }));
    assert.equal(final.manualSteps, undefined);
    for (const c of final.clusters) {
      const steps = c.steps.map((s) => s.step);
      // The deletion is waited out before the restart back to IRSA.
      assert.ok(
        steps.indexOf('rollback-consistency-wait') > steps.indexOf('rollback-delete-association') &&
          steps.indexOf('rollback-restart') > steps.indexOf('rollback-consistency-wait'),
        `${c.cluster}: ${steps.join(', ')}`,
      );
      assert.equal(c.steps.filter((s) => s.step === 'rollback-verify').at(-1)?.status, 'succeeded', c.cluster);
    }
    assert.ok(
      retried(final, 'rollback-verify').length >= 1,
      'a restart right after the deletion still got Pod Identity',
    );
    assert.deepEqual(await h.fleet.control.essentials(), before);
    watch.assertHeld();
    await assertInvariantNow(h.fleet, 'after the rollback');
  });
});

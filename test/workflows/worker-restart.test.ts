import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { decisionUpdate } from '../../workflows/messages.js';
import { advanceUntil, APPROVER, migrationInput, startHarness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

describe('migration workflow: worker restart', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  before(async () => {
    env = await createTimeSkippingEnv();
    dir = mkdtempSync(join(tmpdir(), 'migrate-identity-restart-'));
  });
  after(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a new worker finishes a migration the stopped one began, with no duplicated side effects', async () => {
    const file = join(dir, 'fleet.json');
    const sandbox = { file, consistencyDelayMs: 0, podStartMs: 5 };
    // No sticky cache: the time-skipping server does not move a dead worker's sticky
    // tasks back to the shared queue, and replaying from history is what this test is about.
    const first = await startHarness(env, { fleet: createSandboxFleet(sandbox), maxCachedWorkflows: 0 });
    const input = migrationInput();
    await first.service.start(input);
    const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
    // Stop while the second cluster is mid-way: association created, restart not yet done.
    await advanceUntil(env, handle, (s) => s.clusters[1]!.steps.some((st) => st.step === 'consistency-wait'), {
      stepMs: 5_000,
    });
    await first.stop();

    const second = await startHarness(env, { fleet: createSandboxFleet(sandbox), taskQueue: first.taskQueue });
    try {
      await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const final = await second.service.result(input.serviceAccount);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
      const calls = await second.fleet.control.calls();
      for (const cluster of input.clusters) {
        assert.equal(calls[`${cluster}:createPodIdentityAssociation`], 1, `${cluster} create calls`);
      }
      assert.equal(calls['*:updateTrustPolicy'], 2, 'one trust write to add Pod Identity, one to remove IRSA');
      const essentials = await second.fleet.control.essentials();
      assert.equal(essentials.associations.length, 3);
    } finally {
      await second.stop();
    }
  });
});

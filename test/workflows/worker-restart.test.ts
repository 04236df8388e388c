import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { hasPodIdentityTrust } from '../../src/domain/trust-policy.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { decisionUpdate } from '../../workflows/messages.js';
import { roleLockStateQuery, roleLockWorkflowId } from '../../workflows/role-lock.js';
import { interleavingIam } from '../support/interleaving-iam.js';
import { advanceUntil, APPROVER, migrationInput, startHarness, waitForState } from '../support/migration-harness.js';
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

  test('the role lock outlives the worker: a run queued behind another when it stops is served by the next one', async () => {
    const file = join(dir, 'shared-fleet.json');
    const sandbox = { file, consistencyDelayMs: 0, podStartMs: 5 };
    const roleArn = 'arn:aws:iam::111122223333:role/eks-payments-shared';
    const inputs = (['settlement', 'payouts'] as const).map((name) =>
      migrationInput(
        { soakSeconds: 0, consistencyWaitSeconds: 1 },
        { serviceAccount: { namespace: 'payments', name }, roleArn, clusters: ['sandbox-a', 'sandbox-c'] },
      ),
    );
    // Reads outside preflight wait for a partner (up to 1.5 s): the holder is slow, so the other run queues.
    const slow = { enabled: true };
    const first = await startHarness(env, {
      fleet: createSandboxFleet(sandbox),
      maxCachedWorkflows: 0,
      iam: (iam) => interleavingIam(iam, slow, 1500),
    });
    await Promise.all(inputs.map((input) => first.service.start(input)));
    const lock = env.client.workflow.getHandle(roleLockWorkflowId(roleArn));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = await lock.query(roleLockStateQuery).catch(() => undefined);
      if (state?.holder && state.queue.length === 1) break;
      assert.ok(Date.now() < deadline, 'one run holds the role lock while the other waits for it');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await first.stop();

    const second = await startHarness(env, { fleet: createSandboxFleet(sandbox), taskQueue: first.taskQueue });
    try {
      const handles = inputs.map((input) => env.client.workflow.getHandle(workflowIdFor(input.serviceAccount)));
      const gates = [];
      for (const handle of handles) {
        const gate = await waitForState(handle, (s) => s.phase === 'AwaitingApproval' || s.failure !== undefined);
        assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
        gates.push(gate);
      }
      // The trust is scoped per service account: the queued run, reading under the lock, widens
      // the statement the first one appended rather than writing over it.
      const calls = await second.fleet.control.calls();
      assert.equal(calls['*:updateTrustPolicy'], 2, 'one trust write each, one after the other');
      const trust = (await second.fleet.control.essentials()).trustPolicies['eks-payments-shared']!;
      assert.equal(trust.Statement.filter((st) => st.Sid === 'MigrateIdentityPodIdentity').length, 1);
      for (const gate of gates) {
        assert.ok(hasPodIdentityTrust(trust, gate.plan?.trust.scope), `${gate.workflowId}: its pods admitted`);
      }
      assert.deepEqual(await lock.query(roleLockStateQuery), { queue: [] });
    } finally {
      for (const input of inputs) {
        await env.client.workflow
          .getHandle(workflowIdFor(input.serviceAccount))
          .terminate('test over')
          .catch(() => undefined);
      }
      await second.stop();
    }
  });
});

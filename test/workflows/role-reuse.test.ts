import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import { advanceUntil, migrationInput, ROLE_ARN, startHarness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { after, before } from 'node:test';

const FLEET = ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'];

/** orders/checkout in sandbox-c uses the reconciler's role through an association: the role is shared. */
async function shareRole(fleet: SandboxFleet): Promise<void> {
  await fleet.control.putServiceAccount('sandbox-c', { namespace: 'orders', name: 'checkout', annotations: {} });
  await fleet.eks.createPodIdentityAssociation({
    cluster: 'sandbox-c',
    namespace: 'orders',
    serviceAccount: 'checkout',
    roleArn: ROLE_ARN,
    clientRequestToken: 'orders-checkout',
  });
}

describe('migration workflow: role reuse (time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('a role shared with another namespace whose policy lets it in: preflight blocks, the matrix shows why, nothing changes', async () => {
    const h = await startHarness(env, { deps: { fleetClusters: FLEET } });
    try {
      await shareRole(h.fleet);
      const before = await h.fleet.control.essentials();
      const input = migrationInput({}, { clusters: ['sandbox-a', 'sandbox-b'] });
      await h.service.start(input);
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'PreflightFailed');
      const blocking = final.findings.filter((f) => f.severity === 'blocking');
      assert.deepEqual(
        blocking.map((f) => f.code),
        ['shared-role-foreign-allowed'],
      );
      assert.match(
        blocking[0]?.message ?? '',
        /shared with orders\/checkout \(sandbox-c\).*ssm:GetParameter.*shared blast radius in disguise/,
      );
      const reuse = final.plan?.roleReuse;
      assert.deepEqual(
        reuse?.matrix.map((r) => [`${r.namespace}/${r.serviceAccount}`, r.cells.map((c) => c.decision).join(',')]),
        [
          ['payments/reconciler', 'allowed,allowed,allowed'],
          ['orders/checkout', 'implicitDeny,implicitDeny,allowed'],
        ],
      );
      assert.deepEqual(await h.fleet.control.essentials(), before);
    } finally {
      await h.stop();
    }
  });

  test('the same share accepted with --accept-shared-role: recorded in the state, a warning, the migration goes on', async () => {
    const h = await startHarness(env, { deps: { fleetClusters: FLEET } });
    try {
      await shareRole(h.fleet);
      const input = migrationInput({ soakSeconds: 0, acceptSharedRole: true }, { clusters: ['sandbox-a'] });
      await h.service.start(input);
      const handle = env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
      const gate = await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval' || s.failure !== undefined);
      assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
      assert.equal(gate.input.options.acceptSharedRole, true);
      assert.deepEqual(gate.plan?.roleReuse?.accepted, { by: input.requestedBy });
      assert.ok(
        gate.warnings.some((w) =>
          /shared blast radius in disguise \(accepted by alice with --accept-shared-role\)/.test(w),
        ),
        gate.warnings.join('\n'),
      );
      await h.service.abort(input.serviceAccount, 'carol');
      assert.equal((await h.service.result(input.serviceAccount)).phase, 'RolledBack');
    } finally {
      await h.stop();
    }
  });
});

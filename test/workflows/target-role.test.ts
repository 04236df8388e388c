import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { decisionUpdate } from '../../workflows/messages.js';
import { advanceUntil, APPROVER, endRoleLock, migrationInput, startHarness } from '../support/migration-harness.js';
import { assertInvariantNow, watchInvariant, type InvariantWatch } from '../support/invariant.js';
import { ROLE_ARN } from '../support/sandbox-fixtures.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

const TARGET = 'arn:aws:iam::444455556666:role/payments-data';

/** A fleet with a target role in another account that trusts the seeded role, as the EKS guide's example does. */
async function fleetWithTarget(watch?: InvariantWatch) {
  const fleet = createSandboxFleet({
    consistencyDelayMs: 0,
    podStartMs: 5,
    ...(watch && { observe: watch.observe }),
  });
  await fleet.control.putRole({
    name: 'payments-data',
    accountId: '444455556666',
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: { ArnEquals: { 'aws:PrincipalARN': ROLE_ARN } },
        },
      ],
    },
  });
  const role = (await fleet.control.state()).roles['eks-payments-reconciler']!;
  await fleet.control.putRole({
    ...role,
    inlinePolicies: {
      ...role.inlinePolicies,
      'chain-to-data': {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Resource: 'arn:aws:iam::444455556666:role/payments-*',
          },
        ],
      },
    },
  });
  return fleet;
}

describe('migration workflow: --target-role on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('the association chains to the target and the pods are verified running as it', async () => {
    // Every pod keeps a backed path through the chain, the target's trust included.
    const watch = watchInvariant();
    const h = await startHarness(env, { fleet: await fleetWithTarget(watch) });
    try {
      const input = migrationInput({ targetRoleArn: TARGET }, { clusters: ['sandbox-a'] });
      const { workflowId } = await h.service.start(input);
      const handle = env.client.workflow.getHandle(workflowId);
      const gate = await advanceUntil(
        env,
        handle,
        (s) => s.phase === 'AwaitingApproval' || s.phase === 'PreflightFailed',
      );
      assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.findings));
      // The target is in another account: preflight cannot read it, and says so.
      assert.ok(gate.findings.some((f) => f.code === 'target-role-unverified' && f.severity === 'warning'));
      const [association] = await h.fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler');
      assert.equal(association?.roleArn, ROLE_ARN);
      assert.equal(association?.targetRoleArn, TARGET);
      const verify = gate.clusters[0]!.steps.find((s) => s.step === 'verify');
      assert.match(verify?.detail ?? '', /arn:aws:sts::444455556666:assumed-role\/payments-data\//);

      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
      watch.assertHeld();
    } finally {
      await h.stop();
      // The next test's worker has its own task queue: the role's lock on this one would never be served.
      await endRoleLock(env);
    }
  });

  test('a target whose trust does not admit the role: verification fails and the cluster is rolled back', async () => {
    const fleet = await fleetWithTarget();
    const h = await startHarness(env, { fleet });
    try {
      // The trust names another role; this cross-account target cannot be read, so preflight only warns.
      const input = migrationInput(
        { targetRoleArn: 'arn:aws:iam::444455556666:role/payments-other' },
        { clusters: ['sandbox-a'] },
      );
      await fleet.control.putRole({
        name: 'payments-other',
        accountId: '444455556666',
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `${ROLE_ARN}-old` }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
          ],
        },
      });
      await h.service.start(input);
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));
      assert.match(JSON.stringify(final.failure), /not authorized to perform: sts:AssumeRole, sts:TagSession/);
      assert.deepEqual(await h.fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler'), []);
      // Rolled back to IRSA: nothing left that leans on the target the role cannot assume.
      await assertInvariantNow(fleet, 'after the rollback');
    } finally {
      await h.stop();
      // The next test's worker has its own task queue: the role's lock on this one would never be served.
      await endRoleLock(env);
    }
  });
});

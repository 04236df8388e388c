import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

function setup() {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
  const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
  return { fleet, activities };
}

describe('verifyCredentials activity', () => {
  test('seeded pods are on IRSA: the probe sees an IRSA session of the role', async () => {
    const { activities } = setup();
    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
    });
    assert.match(
      result.detail,
      /2 pod\(s\) on irsa; caller identity Deployment\/reconciler: arn:aws:sts::111122223333:assumed-role\/eks-payments-reconciler\/botocore-session-/,
    );
    assert.deepEqual(result.warnings, []);
  });

  test('expecting Pod Identity on IRSA pods is a non-retryable VerificationFailed naming the pods', async () => {
    const { activities } = setup();
    await assert.rejects(
      activities.verifyCredentials({ cluster: 'sandbox-a', serviceAccount: SA, roleArn: ROLE, expect: 'pod-identity' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'VerificationFailed' &&
        err.nonRetryable &&
        /expected every pod on pod-identity, but reconciler-.* is on irsa/.test(err.message),
    );
  });

  test('a container without the AWS CLI makes the probe unavailable: a recorded warning, not a silent pass', async () => {
    const { fleet, activities } = setup();
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'reconciler',
      serviceAccount: 'reconciler',
      containers: [{ name: 'app', image: 'distroless/app:1', awsCli: false }],
    });
    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
    });
    assert.equal(result.warnings.length, 1);
    assert.match(
      result.warnings[0]!,
      /probe unavailable in reconciler-.*\/app \(aws exited 127\): environment checked, caller identity not/,
    );
  });

  test('a verify command replaces the probe; its exit status decides', async () => {
    const { activities } = setup();
    const passed = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
      verifyCommand: ['printenv', 'AWS_ROLE_ARN'],
    });
    assert.match(passed.detail, /Deployment\/reconciler: verify command succeeded/);
    await assert.rejects(
      activities.verifyCredentials({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: ROLE,
        expect: 'irsa',
        verifyCommand: ['printenv', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
      }),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.type === 'VerificationFailed' && /exited 1/.test(err.message),
    );
    const missing = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
      verifyCommand: ['check-aws'],
    });
    assert.match(missing.warnings[0] ?? '', /probe unavailable .*check-aws exited 127/);
  });

  test('the wrong role in the caller identity fails verification', async () => {
    const { activities } = setup();
    await assert.rejects(
      activities.verifyCredentials({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: 'arn:aws:iam::111122223333:role/some-other-role',
        expect: 'irsa',
      }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'VerificationFailed',
    );
  });
});

describe('typed failures at the activity edge', () => {
  test('adapter errors become ApplicationFailures with the failure type and retryability', async () => {
    const { fleet, activities } = setup();
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'error' });
    await assert.rejects(
      activities.restartWorkloads({ cluster: 'sandbox-b', serviceAccount: SA, restartedAt: new Date().toISOString() }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'AccessDenied' && err.nonRetryable,
    );
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'throttle' });
    await assert.rejects(
      activities.restartWorkloads({ cluster: 'sandbox-b', serviceAccount: SA, restartedAt: new Date().toISOString() }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'Throttled' && !err.nonRetryable,
    );
  });

  test('createAssociation is idempotent and refuses an association for another role', async () => {
    const { fleet, activities } = setup();
    const input = {
      cluster: 'sandbox-c',
      serviceAccount: SA,
      roleArn: ROLE,
      idempotencyKey: 'wf/run/sandbox-c',
      runTag: 'wf/run',
    };
    const first = await activities.createAssociation(input);
    const again = await activities.createAssociation(input);
    assert.equal(again.associationId, first.associationId);
    const other = await activities.createAssociation({ ...input, idempotencyKey: 'another-run', runTag: 'wf/other' });
    assert.deepEqual(other, { associationId: first.associationId, created: false });
    await assert.rejects(
      activities.createAssociation({ ...input, roleArn: 'arn:aws:iam::111122223333:role/other', idempotencyKey: 'x' }),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.type === 'Conflict' && /for another role/.test(err.message),
    );
    assert.equal((await fleet.control.essentials()).associations.filter((a) => a.cluster === 'sandbox-c').length, 1);
    // Another run's delete finds nothing of its own; this run's finds its association by its tag.
    const notOurs = await activities.deleteAssociation({
      cluster: 'sandbox-c',
      serviceAccount: SA,
      runTag: 'wf/other',
    });
    assert.deepEqual(notOurs.deleted, []);
    const deleted = await activities.deleteAssociation({ cluster: 'sandbox-c', serviceAccount: SA, runTag: 'wf/run' });
    assert.deepEqual(deleted.deleted, [first.associationId]);
    // Deleting it again (a retry after a lost answer) reports it gone.
    assert.deepEqual(
      (
        await activities.deleteAssociation({
          cluster: 'sandbox-c',
          serviceAccount: SA,
          runTag: 'wf/run',
          associationId: first.associationId,
        })
      ).deleted,
      [first.associationId],
    );
    assert.equal((await fleet.control.essentials()).associations.filter((a) => a.cluster === 'sandbox-c').length, 0);
  });
});

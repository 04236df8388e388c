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

describe('createAssociation compares every field, not the role alone', () => {
  test('passes disableSessionTags; a 409 for the same role with other settings is a conflict', async () => {
    const { fleet, activities } = setup();
    const input = { cluster: 'sandbox-c', serviceAccount: SA, roleArn: ROLE, idempotencyKey: 'wf/run/sandbox-c' };
    const created = await activities.createAssociation({ ...input, disableSessionTags: true });
    const [stored] = await fleet.eks.findPodIdentityAssociations('sandbox-c', SA.namespace, SA.name);
    assert.equal(stored?.associationId, created.associationId);
    assert.equal(stored?.disableSessionTags, true);
    // Another run, same role, session tags on: the existing association is not the one it wants.
    await assert.rejects(
      activities.createAssociation({ ...input, idempotencyKey: 'another-run' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'Conflict' &&
        /already has association a-\w+ for this role but with session tags disabled/.test(err.message),
    );
    assert.deepEqual(
      await activities.createAssociation({ ...input, idempotencyKey: 'third', disableSessionTags: true }),
      { associationId: created.associationId, created: false },
    );
  });

  test('--target-role: the association is created chaining to it, and a retry finds it the same', async () => {
    const { fleet, activities } = setup();
    const TARGET = 'arn:aws:iam::444455556666:role/payments-data';
    const input = { cluster: 'sandbox-b', serviceAccount: SA, roleArn: ROLE, targetRoleArn: TARGET };
    const created = await activities.createAssociation({ ...input, idempotencyKey: 'wf/run/sandbox-b' });
    const [stored] = await fleet.eks.findPodIdentityAssociations('sandbox-b', SA.namespace, SA.name);
    assert.equal(stored?.associationId, created.associationId);
    assert.equal(stored?.targetRoleArn, TARGET);
    assert.deepEqual(await activities.createAssociation({ ...input, idempotencyKey: 'another-run' }), {
      associationId: created.associationId,
      created: false,
    });
    const { targetRoleArn: _target, ...withoutTarget } = input;
    await assert.rejects(
      activities.createAssociation({ ...withoutTarget, idempotencyKey: 'a-third-run' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'Conflict' &&
        /for this role but with target role arn:aws:iam::444455556666:role\/payments-data/.test(err.message),
    );
  });

  test('an association chaining to a target role is not "already there" for the role', async () => {
    const { fleet, activities } = setup();
    await fleet.eks.createPodIdentityAssociation({
      cluster: 'sandbox-a',
      namespace: SA.namespace,
      serviceAccount: SA.name,
      roleArn: ROLE,
      targetRoleArn: 'arn:aws:iam::444455556666:role/payments-data',
      clientRequestToken: 'someone-else',
    });
    await assert.rejects(
      activities.createAssociation({ cluster: 'sandbox-a', serviceAccount: SA, roleArn: ROLE, idempotencyKey: 'k' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'Conflict' &&
        /for this role but with target role arn:aws:iam::444455556666:role\/payments-data/.test(err.message),
    );
  });
});

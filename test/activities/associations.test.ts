import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const OTHER_ROLE = 'arn:aws:iam::111122223333:role/eks-payments-ledger';

/** A sandbox whose List lags an hour behind creates and deletes, as EKS's may for seconds. */
function setup(listDelayMs = 3_600_000) {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, listDelayMs, podStartMs: 0 });
  const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
  return { fleet, activities };
}

const input = (runTag: string, roleArn = ROLE) => ({
  cluster: 'sandbox-a',
  serviceAccount: SA,
  roleArn,
  idempotencyKey: `${runTag}/sandbox-a`,
  runTag,
});

describe('createAssociation and deleteAssociation with an eventually consistent List', () => {
  test('a 409 is resolved by describing the id it names, not by a List that does not show it yet', async () => {
    const { fleet, activities } = setup();
    const first = await activities.createAssociation(input('wf/run-1'));
    assert.equal(first.created, true);
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler'), []);
    // Another run (another token) finds the same role there: reused, not created, not an error.
    assert.deepEqual(await activities.createAssociation(input('wf/run-2')), {
      associationId: first.associationId,
      created: false,
    });
    // A run for another role learns whose association is in the way.
    await assert.rejects(activities.createAssociation(input('wf/run-3', OTHER_ROLE)), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure && err.type === 'Conflict', String(err));
      assert.match(
        err.message,
        new RegExp(`already has association ${first.associationId} for another role \\(${ROLE}\\)`),
      );
      return true;
    });
  });

  test('the association carries managed-by and the run id; a 409 on the run own association counts as created', async () => {
    const { fleet, activities } = setup();
    const first = await activities.createAssociation(input('wf/run-1'));
    const tags = (await fleet.eks.describePodIdentityAssociation('sandbox-a', first.associationId))?.tags;
    assert.deepEqual(tags, { 'managed-by': 'migrate-identity', 'migrate-identity/run': 'wf/run-1' });
    // The same run with a new token (say, rollback re-creating it) hits its own association.
    const again = await activities.createAssociation({ ...input('wf/run-1'), idempotencyKey: 'wf/run-1/recreate' });
    assert.deepEqual(again, { associationId: first.associationId, created: true });
  });

  test('rollback deletes only the association it created: never one found by service account and role', async () => {
    // List up to date: it finds the association; only its tag says it is not this run's.
    const { fleet, activities } = setup(0);
    // Someone else's association for the same service account and role (say, a previous run's).
    const theirs = await fleet.eks.createPodIdentityAssociation({
      cluster: 'sandbox-a',
      namespace: 'payments',
      serviceAccount: 'reconciler',
      roleArn: ROLE,
      clientRequestToken: 'theirs',
      tags: { 'managed-by': 'migrate-identity', 'migrate-identity/run': 'wf/earlier' },
    });
    const result = await activities.deleteAssociation({ cluster: 'sandbox-a', serviceAccount: SA, runTag: 'wf/run-1' });
    assert.deepEqual(result.deleted, []);
    assert.equal((await fleet.eks.describePodIdentityAssociation('sandbox-a', theirs.associationId))?.roleArn, ROLE);
  });
});

describe('createAssociation compares every field, not the role alone', () => {
  test('passes disableSessionTags; a 409 for the same role with other settings is a conflict', async () => {
    const { fleet, activities } = setup(0);
    const input = {
      cluster: 'sandbox-c',
      serviceAccount: SA,
      roleArn: ROLE,
      idempotencyKey: 'wf/run/sandbox-c',
      runTag: 'wf/run',
    };
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
      await activities.createAssociation({
        ...input,
        idempotencyKey: 'third',
        runTag: 'wf/third-run',
        disableSessionTags: true,
      }),
      { associationId: created.associationId, created: false },
    );
  });

  test('--target-role: the association is created chaining to it, and a retry finds it the same', async () => {
    const { fleet, activities } = setup(0);
    const TARGET = 'arn:aws:iam::444455556666:role/payments-data';
    const input = { cluster: 'sandbox-b', serviceAccount: SA, roleArn: ROLE, targetRoleArn: TARGET, runTag: 'wf/run' };
    const created = await activities.createAssociation({ ...input, idempotencyKey: 'wf/run/sandbox-b' });
    const [stored] = await fleet.eks.findPodIdentityAssociations('sandbox-b', SA.namespace, SA.name);
    assert.equal(stored?.associationId, created.associationId);
    assert.equal(stored?.targetRoleArn, TARGET);
    assert.deepEqual(
      await activities.createAssociation({ ...input, idempotencyKey: 'another-run', runTag: 'wf/another-run' }),
      {
        associationId: created.associationId,
        created: false,
      },
    );
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
    const { fleet, activities } = setup(0);
    await fleet.eks.createPodIdentityAssociation({
      cluster: 'sandbox-a',
      namespace: SA.namespace,
      serviceAccount: SA.name,
      roleArn: ROLE,
      targetRoleArn: 'arn:aws:iam::444455556666:role/payments-data',
      clientRequestToken: 'someone-else',
    });
    await assert.rejects(
      activities.createAssociation({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: ROLE,
        idempotencyKey: 'k',
        runTag: 'wf/run',
      }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'Conflict' &&
        /for this role but with target role arn:aws:iam::444455556666:role\/payments-data/.test(err.message),
    );
  });

  test('the run tag is on an association with a target role and session tags off, and a 409 on it counts as the run own', async () => {
    const { fleet, activities } = setup();
    const TARGET = 'arn:aws:iam::444455556666:role/payments-data';
    const wanted = { ...input('wf/run-1'), targetRoleArn: TARGET, disableSessionTags: true };
    const first = await activities.createAssociation(wanted);
    const stored = await fleet.eks.describePodIdentityAssociation('sandbox-a', first.associationId);
    assert.equal(stored?.targetRoleArn, TARGET);
    assert.equal(stored?.disableSessionTags, true);
    assert.deepEqual(stored?.tags, { 'managed-by': 'migrate-identity', 'migrate-identity/run': 'wf/run-1' });
    // List does not show it yet: the 409 is described by id, and every field compared.
    assert.deepEqual(await activities.createAssociation({ ...wanted, idempotencyKey: 'wf/run-1/recreate' }), {
      associationId: first.associationId,
      created: true,
    });
    assert.deepEqual(await activities.createAssociation({ ...wanted, ...input('wf/run-2'), targetRoleArn: TARGET }), {
      associationId: first.associationId,
      created: false,
    });
  });

  test('a 409 on an association with a session policy, not yet listed, is a conflict', async () => {
    const { fleet, activities } = setup();
    const narrowed = await fleet.eks.createPodIdentityAssociation({
      cluster: 'sandbox-a',
      namespace: SA.namespace,
      serviceAccount: SA.name,
      roleArn: ROLE,
      disableSessionTags: true,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] }),
      clientRequestToken: 'someone-else',
    });
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', SA.namespace, SA.name), []);
    await assert.rejects(
      activities.createAssociation({ ...input('wf/run-1'), disableSessionTags: true }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'Conflict' &&
        err.message.includes(
          `already has association ${narrowed.associationId} for this role but with a session policy`,
        ),
    );
  });
});

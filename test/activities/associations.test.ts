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

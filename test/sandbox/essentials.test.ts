import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addPodIdentityTrust } from '../../src/domain/trust-policy.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { manualClock, RECONCILER, reconcilerAssociation, settleRollout } from '../support/sandbox-fixtures.js';

function setup() {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 1000, podStartMs: 500 });
  return { clock, fleet };
}

describe('sandbox essentials', () => {
  test('describes the seed: no associations, annotations, trust policies, IRSA pods', async () => {
    const { fleet } = setup();
    const e = await fleet.control.essentials();
    assert.deepEqual(e.associations, []);
    assert.deepEqual(e.serviceAccountAnnotations['sandbox-a']?.['payments/reconciler'], {
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/eks-payments-reconciler',
    });
    assert.equal(e.trustPolicies['eks-payments-reconciler']?.Statement.length, 5);
    assert.deepEqual(e.workloadCredentials['sandbox-b'], {
      'Deployment/payments/ledger': ['irsa'],
      'Deployment/payments/reconciler': ['irsa'],
      'StatefulSet/payments/reconciler-ledger-writer': ['irsa'],
    });
    assert.deepEqual(Object.keys(e.workloadCredentials), ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy']);
  });

  test('equal after a migration is rolled back, though pods and ids changed', async () => {
    const { clock, fleet } = setup();
    const before = await fleet.control.essentials();
    const podsBefore = await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler');
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    await fleet.iam.updateTrustPolicy(role.name, addPodIdentityTrust(role.trustPolicy).document);
    const association = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);

    const migrated = await fleet.control.essentials();
    assert.notDeepEqual(migrated, before);
    assert.deepEqual(migrated.associations, [
      { cluster: 'sandbox-a', namespace: 'payments', serviceAccount: 'reconciler', roleArn: role.arn },
    ]);
    assert.deepEqual(migrated.workloadCredentials['sandbox-a']?.['Deployment/payments/reconciler'], ['pod-identity']);

    await fleet.eks.deletePodIdentityAssociation('sandbox-a', association.associationId);
    await fleet.iam.updateTrustPolicy(role.name, role.trustPolicy);
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    // Mid-rollout the workload holds both paths: not yet equal.
    clock.advance(500);
    const midway = await fleet.control.essentials();
    assert.deepEqual(midway.workloadCredentials['sandbox-a']?.['Deployment/payments/reconciler'], [
      'irsa',
      'pod-identity',
    ]);
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);

    assert.deepEqual(await fleet.control.essentials(), before);
    const podsAfter = await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler');
    assert.ok(podsAfter.every((p) => !podsBefore.some((b) => b.uid === p.uid)));
  });

  test('a removed annotation or a changed trust policy is a difference', async () => {
    const { fleet } = setup();
    const before = await fleet.control.essentials();
    await fleet.kubernetes.setServiceAccountAnnotation(
      'sandbox-c',
      'payments',
      'reconciler',
      'eks.amazonaws.com/role-arn',
      null,
    );
    assert.notDeepEqual(await fleet.control.essentials(), before);
    await fleet.control.reset();
    assert.deepEqual(await fleet.control.essentials(), before);
    const role = await fleet.iam.getRole('eks-payments-ledger');
    await fleet.iam.updateTrustPolicy(role.name, { ...role.trustPolicy, Version: '2008-10-17' });
    assert.notDeepEqual(await fleet.control.essentials(), before);
  });

  test('does not depend on call counts or the order things were created in', async () => {
    const { fleet } = setup();
    const before = await fleet.control.essentials();
    await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler');
    await fleet.control.putServiceAccount('sandbox-a', {
      namespace: 'payments',
      name: 'reconciler',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/eks-payments-reconciler' },
    });
    assert.deepEqual(await fleet.control.essentials(), before);
    assert.equal(JSON.stringify(await fleet.control.essentials()), JSON.stringify(before));
  });
});

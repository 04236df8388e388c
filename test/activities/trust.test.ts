import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { podIdentityStatement } from '../../src/domain/trust-policy.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { ROLE_ARN } from '../support/sandbox-fixtures.js';

const ROLE = 'eks-payments-reconciler';
const ARN_A = 'arn:aws:eks:us-east-1:111122223333:cluster/sandbox-a';
const SID = 'MigrateIdentityPodIdentity';

async function setup() {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
  await fleet.control.setTrustPolicySizeLimit(4096);
  const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
  const original = (await fleet.iam.getRole(ROLE)).trustPolicy;
  return { fleet, activities, original };
}

describe('readPodIdentityTrust and writePodIdentityTrust with a scope', () => {
  const reconciler = { namespace: 'payments', serviceAccount: 'reconciler', clusterArns: [ARN_A] };

  test('reads that a write would append; writes the scoped statement; a retry after a lost answer writes nothing', async () => {
    const { fleet, activities, original } = await setup();
    const input = { roleArn: ROLE_ARN, sid: SID, scope: reconciler };
    assert.deepEqual(await activities.readPodIdentityTrust(input), { trusted: false, write: 'append' });
    assert.deepEqual(await activities.writePodIdentityTrust(input), { written: true });
    const trust = (await fleet.iam.getRole(ROLE)).trustPolicy;
    assert.deepEqual(trust.Statement, [...original.Statement, podIdentityStatement(SID, reconciler)]);
    assert.deepEqual(await activities.writePodIdentityTrust(input), { written: false });
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, trust);
    assert.deepEqual(await activities.readPodIdentityTrust(input), { trusted: true });
  });

  test('a second service account widens our statement, and its read says so: its rollback must not remove it', async () => {
    const { fleet, activities } = await setup();
    await activities.writePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: reconciler });
    const ledger = { roleArn: ROLE_ARN, sid: SID, scope: { ...reconciler, serviceAccount: 'ledger' } };
    assert.deepEqual(await activities.readPodIdentityTrust(ledger), { trusted: false, write: 'widen' });
    assert.deepEqual(await activities.writePodIdentityTrust(ledger), { written: true });
    const ours = (await fleet.iam.getRole(ROLE)).trustPolicy.Statement.filter((s) => s.Sid === SID);
    assert.equal(ours.length, 1);
    assert.deepEqual(ours[0]!.Condition?.StringEquals?.['aws:RequestTag/kubernetes-service-account'], [
      'reconciler',
      'ledger',
    ]);
    // Its retry finds it covered, and writes nothing.
    assert.deepEqual(await activities.writePodIdentityTrust(ledger), { written: false });
    assert.deepEqual(await activities.readPodIdentityTrust(ledger), { trusted: true });
  });

  test('an unconditioned statement already there covers any scope: nothing written', async () => {
    const { fleet, activities, original } = await setup();
    const withTheirs = { ...original, Statement: [...original.Statement, podIdentityStatement('Theirs')] };
    await fleet.iam.updateTrustPolicy(ROLE, withTheirs);
    const input = { roleArn: ROLE_ARN, sid: SID, scope: reconciler };
    assert.deepEqual(await activities.readPodIdentityTrust(input), { trusted: true });
    assert.deepEqual(await activities.writePodIdentityTrust(input), { written: false });
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, withTheirs);
  });
});

describe('removePodIdentityTrust of a scoped statement', () => {
  const reconciler = { namespace: 'payments', serviceAccount: 'reconciler', clusterArns: [ARN_A] };
  const removal = {
    roleArn: ROLE_ARN,
    sid: SID,
    serviceAccount: { namespace: 'payments', name: 'reconciler' },
    clusters: ['sandbox-a'],
    deletedAssociationIds: [],
  };

  test('removes the statement the run appended, once nothing uses the role', async () => {
    const { fleet, activities, original } = await setup();
    await activities.writePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: reconciler });
    assert.deepEqual(await activities.removePodIdentityTrust(removal), { removed: true });
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, original);
  });

  test('keeps a statement another service account widened while its association uses the role; removes it after', async () => {
    const { fleet, activities, original } = await setup();
    await activities.writePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: reconciler });
    await activities.writePodIdentityTrust({
      roleArn: ROLE_ARN,
      sid: SID,
      scope: { ...reconciler, serviceAccount: 'ledger' },
    });
    const widened = (await fleet.iam.getRole(ROLE)).trustPolicy;
    const ledger = await fleet.eks.createPodIdentityAssociation({
      cluster: 'sandbox-a',
      namespace: 'payments',
      serviceAccount: 'ledger',
      roleArn: ROLE_ARN,
      clientRequestToken: 'ledger',
    });
    const kept = await activities.removePodIdentityTrust(removal);
    assert.equal(kept.removed, false);
    assert.match(
      kept.keptBecause ?? '',
      new RegExp(`associations still use the role: sandbox-a payments/ledger \\(${ledger.associationId}\\)`),
    );
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, widened);
    // The ledger's run rolled back: nobody relies on the statement any more.
    await fleet.eks.deletePodIdentityAssociation('sandbox-a', ledger.associationId);
    assert.deepEqual(await activities.removePodIdentityTrust(removal), { removed: true });
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, original);
  });
});

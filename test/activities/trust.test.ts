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

describe('ensurePodIdentityTrust with a scope', () => {
  const reconciler = { namespace: 'payments', serviceAccount: 'reconciler', clusterArns: [ARN_A] };

  test('writes the scoped statement; a retry after a lost answer still counts it as added', async () => {
    const { fleet, activities, original } = await setup();
    const input = { roleArn: ROLE_ARN, sid: SID, scope: reconciler };
    assert.deepEqual(await activities.ensurePodIdentityTrust(input), { added: true });
    const trust = (await fleet.iam.getRole(ROLE)).trustPolicy;
    assert.deepEqual(trust.Statement, [...original.Statement, podIdentityStatement(SID, reconciler)]);
    assert.deepEqual(await activities.ensurePodIdentityTrust(input), { added: true });
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, trust);
  });

  test('a second service account widens our statement but never claims it: rollback must not remove it', async () => {
    const { fleet, activities } = await setup();
    await activities.ensurePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: reconciler });
    const ledger = { ...reconciler, serviceAccount: 'ledger' };
    assert.deepEqual(await activities.ensurePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: ledger }), {
      added: false,
    });
    const ours = (await fleet.iam.getRole(ROLE)).trustPolicy.Statement.filter((s) => s.Sid === SID);
    assert.equal(ours.length, 1);
    assert.deepEqual(ours[0]!.Condition?.StringEquals?.['aws:RequestTag/kubernetes-service-account'], [
      'reconciler',
      'ledger',
    ]);
    // Its retry finds it covered, and still does not claim it.
    assert.deepEqual(await activities.ensurePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: ledger }), {
      added: false,
    });
  });

  test('an unconditioned statement already there covers any scope: nothing written', async () => {
    const { fleet, activities, original } = await setup();
    const withTheirs = { ...original, Statement: [...original.Statement, podIdentityStatement('Theirs')] };
    await fleet.iam.updateTrustPolicy(ROLE, withTheirs);
    assert.deepEqual(await activities.ensurePodIdentityTrust({ roleArn: ROLE_ARN, sid: SID, scope: reconciler }), {
      added: false,
    });
    assert.deepEqual((await fleet.iam.getRole(ROLE)).trustPolicy, withTheirs);
  });
});

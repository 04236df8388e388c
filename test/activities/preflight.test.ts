import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { parseFleet } from '../../src/config/fleet.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { RECONCILER } from '../support/sandbox-fixtures.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

/** The seeded role's trust policy padded with unrelated statements to about `size` characters. */
async function bigTrust(size: number, trustPolicyLimit?: number) {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
  const role = await fleet.iam.getRole('eks-payments-reconciler');
  await fleet.control.setTrustPolicySizeLimit(100_000);
  const filler = [];
  for (let i = 0; JSON.stringify([...role.trustPolicy.Statement, ...filler]).length < size; i++) {
    filler.push({
      Sid: `Filler${i}`,
      Effect: 'Allow' as const,
      Principal: { AWS: `arn:aws:iam::111122223333:role/ci-${i}` },
      Action: 'sts:AssumeRole',
    });
  }
  await fleet.iam.updateTrustPolicy('eks-payments-reconciler', {
    ...role.trustPolicy,
    Statement: [...role.trustPolicy.Statement, ...filler],
  });
  return createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined), trustPolicyLimit });
}

describe('preflightRole: trust-policy size quota', () => {
  test('over the default 2,048 characters after adding Pod Identity: blocking', async () => {
    const activities = await bigTrust(2_500);
    const result = await activities.preflightRole({ roleArn: ROLE, serviceAccount: SA });
    assert.ok(result.findings.some((f) => f.code === 'trust-policy-too-large' && f.severity === 'blocking'));
    assert.equal(result.trust.limit, 2048);
  });

  test('the same role passes when the account quota was raised (iam.trustPolicySizeLimit)', async () => {
    const activities = await bigTrust(2_500, 4096);
    const result = await activities.preflightRole({ roleArn: ROLE, serviceAccount: SA });
    assert.deepEqual(
      result.findings.filter((f) => f.code === 'trust-policy-too-large'),
      [],
    );
    assert.equal(result.trust.limit, 4096);
    assert.ok(result.trust.sizeAfter > 2048);
  });

  test('the fleet file takes the raised quota, within IAM bounds', () => {
    assert.equal(parseFleet('mode: sandbox\niam: { trustPolicySizeLimit: 4096 }', 'f').iam?.trustPolicySizeLimit, 4096);
    assert.throws(
      () => parseFleet('mode: sandbox\niam: { trustPolicySizeLimit: 1000 }', 'f'),
      /iam\.trustPolicySizeLimit/,
    );
  });
});

describe('preflightCluster: every controller whose pods run as the service account', () => {
  function setup() {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
    return { fleet, activities };
  }
  const target = { cluster: 'sandbox-a', serviceAccount: SA, roleArn: ROLE };
  const found = (findings: { code: string; severity: string }[]) =>
    findings.filter((f) => f.code !== 'association-exists').map((f) => `${f.severity} ${f.code}`);

  test('Jobs and CronJobs warn, a bare pod and an Argo Rollout block, the Deployment is restarted', async () => {
    const { fleet, activities } = setup();
    await fleet.control.putJob('sandbox-a', {
      kind: 'CronJob',
      namespace: 'payments',
      name: 'nightly',
      serviceAccount: 'reconciler',
      active: 0,
    });
    await fleet.control.putJob('sandbox-a', {
      kind: 'CronJob',
      namespace: 'payments',
      name: 'someone-elses',
      serviceAccount: 'ledger',
      active: 0,
    });
    const pod = { namespace: 'payments', serviceAccount: 'reconciler', containers: [{ image: 'app:1' }] };
    await fleet.control.putPod('sandbox-a', { ...pod, name: 'debug' });
    await fleet.control.putPod('sandbox-a', {
      ...pod,
      name: 'canary-7f-a',
      controller: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary' },
    });

    const result = await activities.preflightCluster(target);

    assert.deepEqual(found(result.findings), [
      'blocking bare-pod',
      'blocking unmanaged-controller',
      'warning job-not-restarted',
    ]);
    assert.match(
      result.findings.find((f) => f.code === 'unmanaged-controller')!.message,
      /Rollout payments\/canary \(pods canary-7f-a\): .*kubectl argo rollouts restart canary -n payments/,
    );
    assert.deepEqual(result.plan.workloadsToRestart, [RECONCILER]);
  });

  test('with --keep-irsa-trust a bare pod keeps working on IRSA: a warning, not a block', async () => {
    const { fleet, activities } = setup();
    await fleet.control.putPod('sandbox-a', {
      namespace: 'payments',
      name: 'debug',
      serviceAccount: 'reconciler',
      containers: [{ image: 'app:1' }],
    });
    assert.deepEqual(found((await activities.preflightCluster({ ...target, keepIrsaTrust: true })).findings), [
      'warning bare-pod',
    ]);
  });

  test('a StatefulSet with OnDelete or a partition blocks, naming what to change', async () => {
    const { fleet, activities } = setup();
    const statefulSet = { kind: 'StatefulSet' as const, namespace: 'payments', serviceAccount: 'reconciler' };
    await fleet.control.putWorkload('sandbox-a', { ...statefulSet, name: 'ledger', updateStrategy: 'OnDelete' });
    await fleet.control.putWorkload('sandbox-a', { ...statefulSet, name: 'journal', replicas: 3, partition: 1 });

    const result = await activities.preflightCluster(target);

    assert.deepEqual(found(result.findings), ['blocking statefulset-partition', 'blocking update-strategy-on-delete']);
    assert.match(
      result.findings[0]!.message,
      /StatefulSet payments\/journal \(pods journal-0, journal-1, journal-2\): rollingUpdate.partition is 1: .* so journal-0 would keep/,
    );
  });
});

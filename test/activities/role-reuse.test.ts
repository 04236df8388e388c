import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const INTENDED = { namespace: 'payments', name: 'reconciler' };
const FLEET = ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'];

function setup() {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
  const activities = createActivities({
    ...fleet,
    notifier: createConsoleNotifier(() => undefined),
    fleetClusters: FLEET,
  });
  return { fleet, activities };
}

/** `orders/checkout` in sandbox-b gets an association to the reconciler's role: the role is now shared. */
async function shareWithCheckout(fleet: SandboxFleet): Promise<string> {
  await fleet.control.putServiceAccount('sandbox-b', { namespace: 'orders', name: 'checkout', annotations: {} });
  const association = await fleet.eks.createPodIdentityAssociation({
    cluster: 'sandbox-b',
    namespace: 'orders',
    serviceAccount: 'checkout',
    roleArn: ROLE,
    clientRequestToken: 'share',
  });
  return association.associationId;
}

const check = (activities: ReturnType<typeof setup>['activities'], extra: { acceptSharedRole?: boolean } = {}) =>
  activities.checkRoleReuse({
    roleArn: ROLE,
    serviceAccount: INTENDED,
    clusters: ['sandbox-a', 'sandbox-b'],
    requestedBy: 'alice',
    ...extra,
  });

describe('checkRoleReuse activity', () => {
  test('a role no one else uses, whose policies scope by namespace: simulated for the intended account only, no finding', async () => {
    const { activities } = setup();
    const { findings, report } = await check(activities);
    assert.deepEqual(findings, []);
    assert.deepEqual(report.sharedWith, []);
    assert.deepEqual(
      report.matrix.map((r) => [`${r.namespace}/${r.serviceAccount}`, r.intended, r.cells.map((c) => c.decision)]),
      [['payments/reconciler', true, ['allowed', 'allowed', 'allowed']]],
    );
    assert.deepEqual(
      report.simulated.pairs.map((p) => `${p.action} ${p.resource}`),
      [
        's3:GetObject arn:aws:s3:::payments-reconciler-data/payments/*',
        's3:PutObject arn:aws:s3:::payments-reconciler-data/payments/*',
        'ssm:GetParameter arn:aws:ssm:*:111122223333:parameter/payments/*',
      ],
    );
  });

  test('shared with another namespace: the tag-scoped statement keeps it out, the unscoped one lets it in: blocking', async () => {
    const { fleet, activities } = setup();
    const associationId = await shareWithCheckout(fleet);
    const { findings, report } = await check(activities);
    assert.deepEqual(report.sharedWith, [
      { cluster: 'sandbox-b', namespace: 'orders', serviceAccount: 'checkout', associationId },
    ]);
    const foreign = report.matrix.find((r) => !r.intended);
    assert.deepEqual(
      foreign?.cells.map((c) => [c.action, c.decision]),
      [
        ['s3:GetObject', 'implicitDeny'],
        ['s3:PutObject', 'implicitDeny'],
        ['ssm:GetParameter', 'allowed'],
      ],
    );
    assert.deepEqual(
      findings.map((f) => [f.severity, f.code]),
      [['blocking', 'shared-role-foreign-allowed']],
    );
    assert.match(
      findings[0]?.message ?? '',
      /^role eks-payments-reconciler is shared with orders\/checkout \(sandbox-b\), and namespace orders is allowed what payments\/reconciler is: ssm:GetParameter on arn:aws:ssm:\*:111122223333:parameter\/payments\/\*: shared blast radius in disguise;/,
    );
    const calls = await fleet.control.calls();
    assert.equal(calls['*:simulatePrincipalPolicy'], 2, 'the intended account and the foreign one');
    for (const cluster of FLEET) assert.equal(calls[`${cluster}:listPodIdentityAssociations`], 1, cluster);
  });

  test('accepted with --accept-shared-role: the same overlap is a warning naming who accepted it', async () => {
    const { fleet, activities } = setup();
    await shareWithCheckout(fleet);
    const { findings, report } = await check(activities, { acceptSharedRole: true });
    assert.deepEqual(report.accepted, { by: 'alice' });
    assert.deepEqual(
      findings.map((f) => [f.severity, f.code]),
      [['warning', 'shared-role-accepted']],
    );
    assert.match(findings[0]?.message ?? '', /\(accepted by alice with --accept-shared-role\)$/);
  });

  test('with --target-role: the target role is simulated, and whoever runs as it shares it; the role alone does not', async () => {
    const { fleet, activities } = setup();
    const target = await fleet.control.putRole({
      name: 'payments-data',
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      },
      inlinePolicies: {
        read: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payments-data/*' }],
        },
      },
    });
    // On the role itself, without the target: its pods do not run as the target.
    await shareWithCheckout(fleet);
    await fleet.control.putServiceAccount('sandbox-a', { namespace: 'billing', name: 'invoicer', annotations: {} });
    const chained = await fleet.eks.createPodIdentityAssociation({
      cluster: 'sandbox-a',
      namespace: 'billing',
      serviceAccount: 'invoicer',
      roleArn: ROLE,
      targetRoleArn: target,
      clientRequestToken: 'chained',
    });
    const { findings, report } = await activities.checkRoleReuse({
      roleArn: ROLE,
      targetRoleArn: target,
      serviceAccount: INTENDED,
      clusters: ['sandbox-a', 'sandbox-b'],
      requestedBy: 'alice',
    });
    assert.equal(report.targetRoleArn, target);
    assert.deepEqual(report.sharedWith, [
      { cluster: 'sandbox-a', namespace: 'billing', serviceAccount: 'invoicer', associationId: chained.associationId },
    ]);
    assert.deepEqual(
      report.simulated.pairs.map((p) => `${p.action} ${p.resource}`),
      ['s3:GetObject arn:aws:s3:::payments-data/*'],
    );
    assert.deepEqual(
      report.matrix.map((r) => [`${r.namespace}/${r.serviceAccount}`, r.cells.map((c) => c.decision)]),
      [
        ['payments/reconciler', ['allowed']],
        ['billing/invoicer', ['allowed']],
      ],
    );
    assert.deepEqual(
      findings.map((f) => [f.severity, f.code]),
      [['blocking', 'shared-role-foreign-allowed']],
    );
    assert.match(
      findings[0]?.message ?? '',
      /^target role payments-data \(via eks-payments-reconciler\) is shared with billing\/invoicer \(sandbox-a\)/,
    );
  });

  test('a misspelt tag key that denies the intended account is blocking, with the statement quoted', async () => {
    const { activities } = setup();
    const { findings } = await activities.checkRoleReuse({
      roleArn: 'arn:aws:iam::111122223333:role/eks-payments-ledger',
      serviceAccount: { namespace: 'payments', name: 'ledger' },
      clusters: ['sandbox-b'],
      requestedBy: 'alice',
    });
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.code, 'principal-tag-denies');
    assert.equal(findings[0]?.severity, 'blocking');
    assert.equal(
      findings[0]?.message,
      'role eks-payments-ledger: payments/ledger would be denied dynamodb:PutItem on arn:aws:dynamodb:us-east-1:111122223333:table/payments-ledger: ' +
        'the policy reads aws:PrincipalTag/kubernetes-namespaces, which no Pod Identity session carries ' +
        '(simulated: implicitDeny, missing aws:PrincipalTag/kubernetes-namespaces); statement inline:ledger-data: ' +
        '{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/payments-ledger","Condition":{"StringEquals":{"aws:PrincipalTag/kubernetes-namespaces":"payments"}}}',
    );
  });

  test("the sessions' eks-cluster-arn is the ARN preflight read: no DescribeCluster of its own (its faults stay preflight's)", async () => {
    const { fleet, activities } = setup();
    const arn = 'arn:aws:eks:us-east-1:111122223333:cluster/sandbox-a';
    await fleet.control.putRole({
      name: 'eks-cluster-scoped',
      trustPolicy: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      inlinePolicies: {
        data: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::data/*',
              Condition: { StringEquals: { 'aws:PrincipalTag/eks-cluster-arn': arn } },
            },
          ],
        },
      },
    });
    const run = (clusterArns?: Record<string, string>) =>
      activities.checkRoleReuse({
        roleArn: 'arn:aws:iam::111122223333:role/eks-cluster-scoped',
        serviceAccount: INTENDED,
        clusters: ['sandbox-a'],
        requestedBy: 'alice',
        ...(clusterArns ? { clusterArns } : {}),
      });
    const known = await run({ 'sandbox-a': arn });
    assert.deepEqual(
      known.report.matrix[0]?.cells.map((c) => c.decision),
      ['allowed'],
    );
    const unknown = await run();
    assert.deepEqual(
      unknown.report.matrix[0]?.cells.map((c) => [c.decision, c.missingContextKeys]),
      [['implicitDeny', ['aws:PrincipalTag/eks-cluster-arn']]],
    );
    assert.deepEqual(unknown.findings, [], 'a session tag left out is not a typo');
    assert.equal((await fleet.control.calls())['sandbox-a:describeCluster'], undefined);
  });

  test('a cluster whose associations cannot be listed leaves a doubt: a warning', async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
    const activities = createActivities({
      ...fleet,
      eks: {
        ...fleet.eks,
        listPodIdentityAssociations: (cluster) =>
          cluster === 'sandbox-c'
            ? Promise.reject(Object.assign(new Error('denied'), { name: 'PortError' }))
            : fleet.eks.listPodIdentityAssociations(cluster),
      },
      notifier: createConsoleNotifier(() => undefined),
      fleetClusters: FLEET,
    });
    const { findings, report } = await check(activities);
    assert.deepEqual(report.unreadClusters, ['sandbox-c']);
    assert.deepEqual(
      findings.map((f) => [f.severity, f.code]),
      [['warning', 'role-associations-unread']],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PolicyStatement } from '../../src/domain/types.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { reconcilerAssociation, ROLE_ARN } from '../support/sandbox-fixtures.js';

describe('sandbox EKS API', () => {
  test('association ids and ARNs look like EKS ones', async () => {
    const fleet = createSandboxFleet();
    const a = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-c'));
    assert.match(a.associationId, /^a-[a-z0-9]{17}$/);
    assert.equal(
      a.associationArn,
      `arn:aws:eks:us-east-1:111122223333:podidentityassociation/sandbox-c/${a.associationId}`,
    );
    assert.equal(a.cluster, 'sandbox-c');
  });

  test('a token reused with different parameters is refused', async () => {
    const fleet = createSandboxFleet();
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a', 't1'));
    await assert.rejects(
      fleet.eks.createPodIdentityAssociation({ ...reconcilerAssociation('sandbox-a', 't1'), serviceAccount: 'other' }),
      { kind: 'validation' },
    );
    await assert.rejects(
      fleet.eks.createPodIdentityAssociation({ ...reconcilerAssociation('sandbox-a', 't1'), roleArn: `${ROLE_ARN}-2` }),
      { kind: 'validation' },
    );
  });

  // EKS User Guide, Pod Identity, Limits: "Up to 5,000 EKS Pod Identity associations per cluster".
  async function fleetWithFillers(count: number) {
    const fleet = createSandboxFleet();
    const state = await fleet.control.state();
    const cluster = state.clusters['sandbox-a']!;
    for (let i = 0; i < count; i += 1) {
      cluster.associations.push({
        associationId: `a-filler${i}`,
        associationArn: `arn:filler:${i}`,
        namespace: 'filler',
        serviceAccount: `sa-${i}`,
        roleArn: ROLE_ARN,
        clientRequestToken: `filler-${i}`,
        tags: {},
        createdAt: 0,
        visibleFrom: 0,
      });
    }
    await fleet.control.reset(state);
    return fleet;
  }

  test('a cluster holds at most 5000 associations', async () => {
    const roomy = await fleetWithFillers(1000);
    assert.equal((await roomy.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'))).roleArn, ROLE_ARN);
    const fleet = await fleetWithFillers(5000);
    await assert.rejects(fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a')), {
      kind: 'limit-exceeded',
    });
    await fleet.eks.deletePodIdentityAssociation('sandbox-a', 'a-filler0');
    assert.equal((await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'))).roleArn, ROLE_ARN);
  });

  test('add-on owned associations come back with their ownerArn', async () => {
    const fleet = createSandboxFleet();
    const state = await fleet.control.state();
    state.clusters['sandbox-b']!.associations.push({
      associationId: 'a-owned000000000000',
      associationArn: 'arn:owned',
      namespace: 'kube-system',
      serviceAccount: 'ebs-csi-controller-sa',
      roleArn: ROLE_ARN,
      clientRequestToken: 'owned',
      tags: {},
      ownerArn: 'arn:aws:eks:us-east-1:111122223333:addon/sandbox-b/aws-ebs-csi-driver/x',
      createdAt: 0,
      visibleFrom: 0,
    });
    await fleet.control.reset(state);
    const [found] = await fleet.eks.findPodIdentityAssociations('sandbox-b', 'kube-system', 'ebs-csi-controller-sa');
    assert.match(found?.ownerArn ?? '', /addon\/sandbox-b/);
  });

  test('every port call on an unknown cluster is not-found', async () => {
    const fleet = createSandboxFleet();
    await assert.rejects(fleet.eks.describeAddon('nope', 'eks-pod-identity-agent'), { kind: 'not-found' });
    await assert.rejects(fleet.eks.listFargateProfiles('nope'), { kind: 'not-found' });
    await assert.rejects(fleet.kubernetes.getServiceAccount('nope', 'payments', 'reconciler'), { kind: 'not-found' });
  });
});

describe('sandbox IAM API', () => {
  const big = (n: number): PolicyStatement[] =>
    Array.from({ length: n }, (_, i) => ({
      Effect: 'Allow' as const,
      Principal: { AWS: `arn:aws:iam::111122223333:role/break-glass-with-a-long-name-${i}` },
      Action: 'sts:AssumeRole',
    }));

  test('a trust policy over the size quota is limit-exceeded and leaves the role as it was', async () => {
    const fleet = createSandboxFleet();
    const before = await fleet.iam.getRole('eks-payments-ledger');
    const document = { Version: '2012-10-17', Statement: big(30) };
    assert.ok(JSON.stringify(document).length > 2048);
    await assert.rejects(fleet.iam.updateTrustPolicy('eks-payments-ledger', document), { kind: 'limit-exceeded' });
    assert.deepEqual((await fleet.iam.getRole('eks-payments-ledger')).trustPolicy, before.trustPolicy);
    await fleet.control.setTrustPolicySizeLimit(4096);
    await fleet.iam.updateTrustPolicy('eks-payments-ledger', document);
    assert.deepEqual((await fleet.iam.getRole('eks-payments-ledger')).trustPolicy, document);
  });

  test('the quota is exact: the largest document that fits is accepted, one more statement is not', async () => {
    const fleet = createSandboxFleet();
    let n = 1;
    while (JSON.stringify({ Statement: big(n + 1) }).length <= 2048) n += 1;
    await fleet.iam.updateTrustPolicy('eks-payments-ledger', { Statement: big(n) });
    await assert.rejects(fleet.iam.updateTrustPolicy('eks-payments-ledger', { Statement: big(n + 1) }), {
      kind: 'limit-exceeded',
    });
  });

  // The error names the quota only, as AWS's does ("LimitExceeded: Cannot exceed quota for
  // ACLSizePerRole: 2048", IAM UpdateAssumeRolePolicy): nothing tells the caller its size.
  test('the size refusal carries AWS’s code, status and message, and no document size', async () => {
    const fleet = createSandboxFleet();
    await assert.rejects(fleet.iam.updateTrustPolicy('eks-payments-ledger', { Statement: big(30) }), {
      kind: 'limit-exceeded',
      details: { code: 'LimitExceeded', httpStatus: 409 },
      message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    });
  });

  test('a trust statement without a Principal is malformed', async () => {
    const fleet = createSandboxFleet();
    await assert.rejects(
      fleet.iam.updateTrustPolicy('eks-payments-ledger', {
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }],
      }),
      { kind: 'validation' },
    );
  });

  test('results are copies: changing one does not change the role', async () => {
    const fleet = createSandboxFleet();
    const role = await fleet.iam.getRole('eks-payments-ledger');
    role.trustPolicy.Statement.length = 0;
    assert.equal((await fleet.iam.getRole('eks-payments-ledger')).trustPolicy.Statement.length, 1);
  });
});

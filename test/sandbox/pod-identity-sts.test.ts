/*
 * The sandbox's STS decides, as IAM does, whether a role's trust policy lets EKS Pod
 * Identity assume it for a given pod. A scoped statement (EKS User Guide, "Create IAM role
 * with trust policy required by EKS Pod Identity") conditions on the request tags EKS sets:
 * the condition keys are ANDed and the values of one key ORed (IAM User Guide, "Conditions
 * with multiple context keys or values"), and a condition on a key the request lacks is
 * false (IAM User Guide, "IAM JSON policy elements: Condition operators"), which is what an
 * association with session tags disabled sends.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addPodIdentityTrust, type PodIdentityTrustScope } from '../../src/domain/trust-policy.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import { ran, ROLE_ARN, STS_PROBE } from '../support/sandbox-fixtures.js';

const ROLE = 'eks-payments-reconciler';
const AWS_CLI = 'public.ecr.aws/aws-cli/aws-cli:2.22.35';

async function fleetTrusting(scope?: PodIdentityTrustScope): Promise<SandboxFleet> {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
  await fleet.control.setTrustPolicySizeLimit(4096);
  const role = await fleet.iam.getRole(ROLE);
  await fleet.iam.updateTrustPolicy(ROLE, addPodIdentityTrust(role.trustPolicy, 'PodIdentity', scope).document);
  return fleet;
}

/** `payments/api` in sandbox-a only. */
const SCOPE: PodIdentityTrustScope = {
  namespace: 'payments',
  serviceAccount: 'api',
  clusterArns: ['arn:aws:eks:us-east-1:111122223333:cluster/sandbox-a'],
};

/** A fresh workload of `namespace/serviceAccount` on Pod Identity with the role; the probe's answer in its pod. */
async function probeOnPodIdentity(
  fleet: SandboxFleet,
  cluster: string,
  namespace: string,
  serviceAccount: string,
  association: { disableSessionTags?: boolean } = {},
) {
  await fleet.control.putServiceAccount(cluster, { namespace, name: serviceAccount, annotations: {} });
  await fleet.eks.createPodIdentityAssociation({
    cluster,
    namespace,
    serviceAccount,
    roleArn: ROLE_ARN,
    clientRequestToken: `${cluster}-${namespace}-${serviceAccount}`,
    ...association,
  });
  const name = `${serviceAccount}-probe`;
  await fleet.control.putWorkload(cluster, {
    namespace,
    name,
    serviceAccount,
    replicas: 1,
    containers: [{ name: 'app', image: AWS_CLI, awsCli: true }],
  });
  const pod = (await fleet.kubernetes.listPods(cluster, namespace, serviceAccount))[0];
  assert.ok(pod, 'the workload has a pod');
  assert.ok(pod.containers[0]!.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'admitted onto Pod Identity');
  return ran(await fleet.kubernetes.exec(cluster, namespace, pod.name, 'app', STS_PROBE));
}

const DENIED = /AccessDenied.*AssumeRoleForPodIdentity/;

describe('sandbox STS: scoped Pod Identity trust', () => {
  test('admits the scoped service account in the scoped clusters', async () => {
    const scoped = await fleetTrusting(SCOPE);
    const result = await probeOnPodIdentity(scoped, 'sandbox-a', 'payments', 'api');
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /assumed-role\/eks-payments-reconciler\/eks-sandbox-a-/);
  });

  test('refuses a pod of another namespace, another service account or another cluster', async () => {
    for (const [cluster, namespace, serviceAccount] of [
      ['sandbox-a', 'shop', 'api'],
      ['sandbox-a', 'payments', 'worker'],
      ['sandbox-b', 'payments', 'api'],
    ] as const) {
      const fleet = await fleetTrusting(SCOPE);
      const result = await probeOnPodIdentity(fleet, cluster, namespace, serviceAccount);
      assert.equal(result.exitCode, 254, `${cluster} ${namespace}/${serviceAccount}: ${result.stdout}`);
      assert.match(result.stderr, DENIED);
    }
  });

  test('an association with session tags disabled sends no request tags: refused by a scoped statement only', async () => {
    const scoped = await probeOnPodIdentity(await fleetTrusting(SCOPE), 'sandbox-a', 'payments', 'api', {
      disableSessionTags: true,
    });
    assert.equal(scoped.exitCode, 254);
    assert.match(scoped.stderr, DENIED);
    const unscoped = await probeOnPodIdentity(await fleetTrusting(), 'sandbox-a', 'payments', 'api', {
      disableSessionTags: true,
    });
    assert.equal(unscoped.exitCode, 0, unscoped.stderr);
  });

  test('the EKS API reports disableSessionTags back, and a token reused with it changed is refused', async () => {
    const fleet = await fleetTrusting();
    const request = {
      cluster: 'sandbox-a',
      namespace: 'payments',
      serviceAccount: 'api',
      roleArn: ROLE_ARN,
      clientRequestToken: 'same-token',
    };
    const created = await fleet.eks.createPodIdentityAssociation({ ...request, disableSessionTags: true });
    assert.equal(created.disableSessionTags, true);
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'api'), [created]);
    await assert.rejects(fleet.eks.createPodIdentityAssociation(request), /different parameters/);
  });

  test('a session policy needs session tags disabled, and is reported back', async () => {
    const fleet = await fleetTrusting();
    const request = {
      cluster: 'sandbox-a',
      namespace: 'payments',
      serviceAccount: 'api',
      roleArn: ROLE_ARN,
      clientRequestToken: 'with-policy',
      policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    };
    // EKS API Reference, CreatePodIdentityAssociation, policy: "disableSessionTags must be set to true".
    await assert.rejects(fleet.eks.createPodIdentityAssociation(request), { kind: 'validation' });
    const created = await fleet.eks.createPodIdentityAssociation({ ...request, disableSessionTags: true });
    assert.equal(created.policy, request.policy);
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'api'), [created]);
  });
});

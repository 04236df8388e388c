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
  association: { disableSessionTags?: boolean; targetRoleArn?: string } = {},
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
  test('names the session as EKS does: 10 characters of the cluster and of the pod name, then a UUID', async () => {
    // Real sessions read eks-eksworksho-app1-v1-5b-<uuid> (src/domain/credentials.ts, SESSION_NAME_PART_MAX).
    const result = await probeOnPodIdentity(await fleetTrusting(), 'sandbox-a', 'payments', 'api');
    assert.equal(result.exitCode, 0, result.stderr);
    const session = /assumed-role\/eks-payments-reconciler\/([^"]+)"/.exec(result.stdout)?.[1] ?? '';
    assert.match(session, /^eks-sandbox-a-api-probe--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

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

/*
 * Role chaining to a target role (EKS User Guide, "Access AWS Resources using EKS Pod
 * Identity Target IAM Roles"): EKS assumes the association's role, then the target, whose
 * trust must admit the role for sts:AssumeRole and, with session tags on, sts:TagSession;
 * across accounts the role's own policy must allow both on the target as well (IAM User
 * Guide, "Cross-account policy evaluation logic").
 */
describe('sandbox STS: an association with a target role', () => {
  const OTHER_ACCOUNT = '444455556666';
  const grant = (target: string) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow' as const, Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: target }],
  });
  const trustOf = (statement: Record<string, unknown>) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow' as const, ...statement }],
  });
  /** The guide's example trust, for the seeded role. */
  const guideTrust = (actions: string[] = ['sts:AssumeRole', 'sts:TagSession']) =>
    trustOf({
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: actions,
      Condition: {
        StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'payments' },
        ArnEquals: { 'aws:PrincipalARN': ROLE_ARN },
      },
    });

  async function grantOnSeededRole(fleet: SandboxFleet, target: string) {
    const role = (await fleet.control.state()).roles[ROLE]!;
    await fleet.control.putRole({ ...role, inlinePolicies: { ...role.inlinePolicies, chain: grant(target) } });
  }

  test("a target in the fleet's account trusting the role itself: the pods run as the target", async () => {
    const fleet = await fleetTrusting();
    const target = await fleet.control.putRole({
      name: 'payments-data',
      trustPolicy: trustOf({ Principal: { AWS: ROLE_ARN }, Action: ['sts:AssumeRole', 'sts:TagSession'] }),
    });
    const result = await probeOnPodIdentity(fleet, 'sandbox-a', 'payments', 'api', { targetRoleArn: target });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /"Arn": "arn:aws:sts::111122223333:assumed-role\/payments-data\/eks-sandbox-a-/);
  });

  // IAM User Guide, "How AWS enforcement code logic evaluates requests", Resource-based
  // policies: a resource policy naming a role ARN is still limited by its permissions boundary.
  test("a same-account target trusting the role itself is refused when the role's boundary leaves out the call", async () => {
    const fleet = await fleetTrusting();
    const target = await fleet.control.putRole({
      name: 'payments-data',
      trustPolicy: trustOf({ Principal: { AWS: ROLE_ARN }, Action: ['sts:AssumeRole', 'sts:TagSession'] }),
    });
    const boundary = await fleet.control.putManagedPolicy({
      name: 's3-only',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    });
    const role = (await fleet.control.state()).roles[ROLE]!;
    await fleet.control.putRole({ ...role, permissionsBoundaryArn: boundary });
    const bounded = await probeOnPodIdentity(fleet, 'sandbox-a', 'payments', 'api', { targetRoleArn: target });
    assert.equal(bounded.exitCode, 254);
    assert.match(bounded.stderr, /not authorized to perform: sts:AssumeRole on resource: .*role\/payments-data/);

    const widened = await fleet.control.putManagedPolicy({ name: 's3-only', document: grant(target) });
    assert.equal(widened, boundary);
    const allowed = await probeOnPodIdentity(fleet, 'sandbox-b', 'payments', 'api', { targetRoleArn: target });
    assert.equal(allowed.exitCode, 0, allowed.stderr);
  });

  test("a target in another account: its trust admits the role's account, and the role must be allowed too", async () => {
    const fleet = await fleetTrusting();
    const target = await fleet.control.putRole({
      name: 'payments-data',
      accountId: OTHER_ACCOUNT,
      trustPolicy: guideTrust(),
    });
    assert.equal(target, `arn:aws:iam::${OTHER_ACCOUNT}:role/payments-data`);
    await assert.rejects(
      fleet.iam.getRole('payments-data'),
      { kind: 'not-found' },
      "the fleet account's IAM never sees it",
    );

    const ungranted = await probeOnPodIdentity(fleet, 'sandbox-a', 'payments', 'api', { targetRoleArn: target });
    assert.equal(ungranted.exitCode, 254);
    assert.match(
      ungranted.stderr,
      /not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role\/payments-data/,
    );

    await grantOnSeededRole(fleet, target);
    const granted = await probeOnPodIdentity(fleet, 'sandbox-b', 'payments', 'api', { targetRoleArn: target });
    assert.equal(granted.exitCode, 0, granted.stderr);
    assert.match(granted.stdout, /"Account": "444455556666"/);
    assert.match(granted.stdout, /assumed-role\/payments-data\//);
  });

  test('without sts:TagSession in the trust the transitive session tags are refused; with them disabled it works', async () => {
    const fleet = await fleetTrusting();
    const assumeOnly = trustOf({
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'sts:AssumeRole',
      Condition: { ArnEquals: { 'aws:PrincipalARN': ROLE_ARN } },
    });
    const target = await fleet.control.putRole({
      name: 'payments-data',
      accountId: OTHER_ACCOUNT,
      trustPolicy: assumeOnly,
    });
    await grantOnSeededRole(fleet, target);
    const tagged = await probeOnPodIdentity(fleet, 'sandbox-a', 'payments', 'api', { targetRoleArn: target });
    assert.equal(tagged.exitCode, 254);
    assert.match(tagged.stderr, /sts:AssumeRole, sts:TagSession/);
    const untagged = await probeOnPodIdentity(fleet, 'sandbox-b', 'payments', 'api', {
      targetRoleArn: target,
      disableSessionTags: true,
    });
    assert.equal(untagged.exitCode, 0, untagged.stderr);
  });

  test("a trust for another namespace's request tag, or another role, refuses", async () => {
    const fleet = await fleetTrusting();
    const target = await fleet.control.putRole({
      name: 'payments-data',
      accountId: OTHER_ACCOUNT,
      trustPolicy: guideTrust(),
    });
    await grantOnSeededRole(fleet, target);
    const chainRefused = /not authorized to perform: sts:AssumeRole, sts:TagSession on resource: .*payments-data/;
    const shop = await probeOnPodIdentity(fleet, 'sandbox-a', 'shop', 'api', { targetRoleArn: target });
    assert.equal(shop.exitCode, 254);
    assert.match(shop.stderr, chainRefused);
    const other = await fleet.control.putRole({
      name: 'payments-data',
      accountId: OTHER_ACCOUNT,
      trustPolicy: trustOf({
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { ArnEquals: { 'aws:PrincipalARN': `${ROLE_ARN}-other` } },
      }),
    });
    const otherRole = await probeOnPodIdentity(fleet, 'sandbox-b', 'payments', 'api', { targetRoleArn: other });
    assert.equal(otherRole.exitCode, 254);
    assert.match(otherRole.stderr, chainRefused);
  });
});

/*
 * Where the sandbox's Pod Identity Agent answers, as on EKS: on every node with the agent
 * DaemonSet, whether the add-on or the Helm chart installed it (DescribeAddon then answers
 * NotFound); by itself on Auto Mode nodes only (label eks.amazonaws.com/compute-type=auto,
 * EKS User Guide, "Control if a workload is deployed on EKS Auto Mode nodes"); and only
 * where the node role allows eks-auth:AssumeRoleForPodIdentity (EKS User Guide, "Set up the
 * Amazon EKS Pod Identity Agent").
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addPodIdentityTrust } from '../../src/domain/trust-policy.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import { ran, ROLE_ARN, STS_PROBE } from '../support/sandbox-fixtures.js';

const CLUSTER = 'agentless';

/** A cluster with one node, no agent, and the reconciler role trusting Pod Identity. */
async function setup(node: { labels?: Record<string, string> } = {}, autoMode = false): Promise<SandboxFleet> {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
  await fleet.control.putCluster({ name: CLUSTER, autoMode });
  await fleet.control.putNode(CLUSTER, { name: 'node-1', ...node });
  const role = await fleet.iam.getRole('eks-payments-reconciler');
  await fleet.iam.updateTrustPolicy(role.name, addPodIdentityTrust(role.trustPolicy).document);
  return fleet;
}

async function probe(fleet: SandboxFleet) {
  await fleet.control.putServiceAccount(CLUSTER, { namespace: 'payments', name: 'app', annotations: {} });
  await fleet.eks.createPodIdentityAssociation({
    cluster: CLUSTER,
    namespace: 'payments',
    serviceAccount: 'app',
    roleArn: ROLE_ARN,
    clientRequestToken: 't',
  });
  await fleet.control.putWorkload(CLUSTER, {
    namespace: 'payments',
    name: 'app',
    serviceAccount: 'app',
    replicas: 1,
    containers: [{ name: 'app', image: 'aws-cli', awsCli: true }],
  });
  const pod = (await fleet.kubernetes.listPods(CLUSTER, 'payments', 'app'))[0]!;
  return ran(await fleet.kubernetes.exec(CLUSTER, 'payments', pod.name, 'app', STS_PROBE));
}

const agentDaemonSet = {
  namespace: 'kube-system',
  name: 'eks-pod-identity-agent',
  desiredNumberScheduled: 1,
  numberReady: 1,
};

describe('sandbox Pod Identity Agent', () => {
  test('no agent: the credentials endpoint times out', async () => {
    const result = await probe(await setup());
    assert.equal(result.exitCode, 255);
    assert.match(result.stderr, /Connect timeout on endpoint URL: "http:\/\/169\.254\.170\.23\/v1\/credentials"/);
  });

  test('installed by the Helm chart (DaemonSet, no add-on): it answers', async () => {
    const fleet = await setup();
    await fleet.control.putDaemonSetStatus(CLUSTER, agentDaemonSet);
    assert.equal(await fleet.eks.describeAddon(CLUSTER, 'eks-pod-identity-agent'), undefined);
    const result = await probe(fleet);
    assert.equal(result.exitCode, 0, result.stderr);
  });

  test('Auto Mode: built into Auto Mode nodes, absent from a managed node group node', async () => {
    const auto = await probe(await setup({ labels: { 'eks.amazonaws.com/compute-type': 'auto' } }, true));
    assert.equal(auto.exitCode, 0, auto.stderr);
    const managed = await probe(await setup({ labels: { 'eks.amazonaws.com/nodegroup': 'static' } }, true));
    assert.equal(managed.exitCode, 255);
    assert.match(managed.stderr, /Connect timeout/);
  });

  test('a node role without eks-auth:AssumeRoleForPodIdentity gets no credentials; AmazonEKSWorkerNodePolicy grants it', async () => {
    for (const [policy, expected] of [
      ['arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly', 255],
      ['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', 0],
    ] as const) {
      const fleet = await setup({ labels: { 'eks.amazonaws.com/nodegroup': 'general' } });
      await fleet.control.putDaemonSetStatus(CLUSTER, agentDaemonSet);
      const nodeRoleArn = await fleet.control.putRole({
        name: 'eks-nodes',
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        managedPolicyArns: [policy],
      });
      await fleet.control.putNodegroup(CLUSTER, { name: 'general', nodeRoleArn });
      const result = await probe(fleet);
      assert.equal(result.exitCode, expected, `${policy}: ${result.stderr}`);
      if (expected !== 0) assert.match(result.stderr, /not authorized to perform: eks-auth:AssumeRoleForPodIdentity/);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readClusterFacts, readClusterInventory, readClusterWideFacts } from '../../activities/cluster-facts.js';
import { evaluateCluster } from '../../src/domain/cluster-checks.js';
import type { ClusterFacts } from '../../src/domain/cluster-checks.js';
import { clusterFacts, serviceAccountFactsIn } from '../../src/domain/inventory.js';
import { isPortError } from '../../src/ports/errors.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { reconcilerAssociation, ROLE_ARN } from '../support/sandbox-fixtures.js';

const RECONCILER = { namespace: 'payments', name: 'reconciler' };

/** Facts compared as data: list order is the listing's business, not the checks'. */
function normalized(facts: ClusterFacts) {
  const byJson = <T>(list: T[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    ...facts,
    workloads: byJson(facts.workloads),
    pods: byJson(facts.pods),
    existingAssociations: byJson(facts.existingAssociations),
  };
}

describe('readClusterFacts', () => {
  test("reads what preflight checks: the cluster, the agent, Fargate, and the service account's objects", async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    const { facts, findings } = await readClusterFacts(fleet, {
      cluster: 'sandbox-a',
      serviceAccount: RECONCILER,
      roleArn: ROLE_ARN,
    });
    assert.deepEqual(findings, []);
    assert.equal(facts.info?.name, 'sandbox-a');
    assert.equal(facts.agentAddon?.status, 'ACTIVE');
    assert.equal(facts.agentDaemonSet?.numberReady, 3);
    assert.deepEqual(
      facts.fargateProfiles.map((p) => p.name),
      ['fp-payments-workers'],
    );
    assert.equal(facts.serviceAccount?.name, 'reconciler');
    assert.deepEqual(
      facts.workloads.map((w) => w.ref.name),
      ['reconciler'],
    );
    assert.equal(facts.pods.length, 2);
    assert.deepEqual(facts.existingAssociations, []);
    assert.equal(facts.roleArn, ROLE_ARN);
  });

  test('a missing cluster reads nothing further, and evaluateCluster reports it', async () => {
    const fleet = createSandboxFleet();
    const { facts, findings } = await readClusterFacts(fleet, {
      cluster: 'nope',
      serviceAccount: RECONCILER,
      roleArn: ROLE_ARN,
    });
    assert.deepEqual(findings, []);
    assert.deepEqual(
      evaluateCluster(facts).map((f) => f.code),
      ['cluster-not-found'],
    );
    assert.deepEqual(Object.keys(await fleet.control.calls()), ['nope:describeCluster']);
  });

  test('a read refused for good is a blocking finding; throttling is thrown for the retry policy', async () => {
    const fleet = createSandboxFleet();
    const target = { cluster: 'sandbox-b', serviceAccount: RECONCILER, roleArn: ROLE_ARN };
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'list-pods', kind: 'error' });
    const { facts, findings } = await readClusterFacts(fleet, target);
    assert.deepEqual(
      findings.map((f) => [f.severity, f.code, f.cluster]),
      [['blocking', 'cannot-read-access-denied', 'sandbox-b']],
    );
    assert.match(findings[0]!.message, /^cannot read pods: /);
    assert.deepEqual(facts.pods, []);
    assert.equal(facts.workloads.length, 2, 'the other reads still happened');

    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'describe-cluster', kind: 'throttle' });
    await assert.rejects(readClusterFacts(fleet, target), (err) => isPortError(err, 'throttled'));
  });

  test('in Auto Mode the agent, built in, is not read', async () => {
    const fleet = createSandboxFleet();
    await fleet.control.putCluster({ name: 'sandbox-c', autoMode: true });
    const { facts } = await readClusterFacts(fleet, {
      cluster: 'sandbox-c',
      serviceAccount: RECONCILER,
      roleArn: ROLE_ARN,
    });
    assert.equal(facts.agentAddon, undefined);
    assert.equal(facts.agentDaemonSet, undefined);
    const calls = await fleet.control.calls();
    assert.equal(calls['sandbox-c:describeAddon'], undefined);
    assert.equal(calls['sandbox-c:getDaemonSet'], undefined);
    assert.ok(evaluateCluster(facts).some((f) => f.code === 'auto-mode-agent'));
  });
});

describe('readClusterFacts: the agent and the node roles', () => {
  const nodeRoleTrust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow' as const, Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const read = (fleet: ReturnType<typeof createSandboxFleet>, cluster: string) =>
    readClusterFacts(fleet, { cluster, serviceAccount: RECONCILER, roleArn: ROLE_ARN });
  const codes = (facts: ClusterFacts) => evaluateCluster(facts).map((f) => [f.code, f.severity]);

  test('Auto Mode with a managed node group: the agent is read and must be healthy there', async () => {
    const fleet = createSandboxFleet();
    await fleet.control.putCluster({ name: 'sandbox-c', autoMode: true });
    await fleet.control.putNodegroup('sandbox-c', { name: 'static' });
    await fleet.control.putAddon('sandbox-c', { name: 'eks-pod-identity-agent', status: 'DEGRADED' });
    const { facts } = await read(fleet, 'sandbox-c');
    assert.equal(facts.agentAddon?.status, 'DEGRADED');
    assert.deepEqual(codes(facts).slice(0, 2), [
      ['auto-mode-agent', 'info'],
      ['agent-unhealthy', 'blocking'],
    ]);
  });

  test("each node role's policies are read: AmazonEKSWorkerNodePolicy allows the agent, a role without it blocks", async () => {
    const fleet = createSandboxFleet();
    const good = await fleet.control.putRole({
      name: 'eks-nodes',
      trustPolicy: nodeRoleTrust,
      managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy'],
    });
    const bad = await fleet.control.putRole({ name: 'eks-nodes-bare', trustPolicy: nodeRoleTrust });
    await fleet.control.putNodegroup('sandbox-a', { name: 'default', nodeRoleArn: bad });
    await fleet.control.putNodegroup('sandbox-a', { name: 'spare', nodeRoleArn: good });
    const { facts } = await read(fleet, 'sandbox-a');
    assert.deepEqual(
      facts.nodeRoles?.map((r) => [r.roleArn, r.nodegroups, r.verdict.allows]),
      [
        [bad, ['default'], 'no'],
        [good, ['spare'], 'yes'],
      ],
    );
    // The reconciler's pods run on the seeded nodes of node group "default".
    assert.ok(codes(facts).some(([code, severity]) => code === 'node-role-no-pod-identity' && severity === 'blocking'));
  });

  test('a node role IAM cannot read is unknown: a warning, not a block', async () => {
    const fleet = createSandboxFleet();
    await fleet.control.putNodegroup('sandbox-a', {
      name: 'default',
      nodeRoleArn: 'arn:aws:iam::444455556666:role/nodes-elsewhere',
    });
    const { facts, findings } = await read(fleet, 'sandbox-a');
    assert.deepEqual(findings, []);
    assert.equal(facts.nodeRoles?.[0]?.verdict.allows, 'unknown');
    assert.deepEqual(codes(facts), [['node-role-permission-unknown', 'warning']]);
  });
});

describe('a scan reuses preflight reads', () => {
  test("cluster-wide reads cut per service account give preflight's facts and findings, for every service account of the fleet", async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-b'));
    await fleet.control.putServiceAccount('sandbox-c', { namespace: 'shop', name: 'orders', annotations: {} });
    await fleet.control.putWorkload('sandbox-c', { namespace: 'shop', name: 'orders', serviceAccount: 'orders' });
    const clusters = Object.keys((await fleet.control.state()).clusters);
    let compared = 0;
    for (const cluster of clusters) {
      const wide = await readClusterWideFacts(fleet, cluster);
      assert.deepEqual(wide.findings, []);
      const inventory = await readClusterInventory(fleet, cluster);
      for (const sa of inventory.serviceAccounts) {
        const roleArn = sa.annotations['eks.amazonaws.com/role-arn'] ?? ROLE_ARN;
        const fromScan = clusterFacts(wide.facts, serviceAccountFactsIn(inventory, sa), roleArn);
        const fromPreflight = await readClusterFacts(fleet, { cluster, serviceAccount: sa, roleArn });
        assert.deepEqual(
          normalized(fromScan),
          normalized(fromPreflight.facts),
          `${cluster} ${sa.namespace}/${sa.name}`,
        );
        assert.deepEqual(evaluateCluster(fromScan), evaluateCluster(fromPreflight.facts));
        compared += 1;
      }
    }
    assert.equal(
      compared,
      12,
      'four reconcilers, three single-app service accounts, two sharing one role in two clusters, and shop/orders',
    );
  });

  test('an inventory of one namespace keeps only that namespace, associations included', async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0 });
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.eks.createPodIdentityAssociation({ ...reconcilerAssociation('sandbox-a', 'other'), namespace: 'shop' });
    const inventory = await readClusterInventory(fleet, 'sandbox-a', 'payments');
    assert.equal(inventory.namespace, 'payments');
    assert.deepEqual(
      inventory.associations.map((a) => a.namespace),
      ['payments'],
    );
    for (const list of [inventory.serviceAccounts, inventory.pods, inventory.workloads.map((w) => w.ref)]) {
      assert.ok(list.length > 0);
      assert.ok(list.every((o) => o.namespace === 'payments'));
    }
  });

  test('a listing that fails is thrown: a partial inventory would report what it missed as gone', async () => {
    const fleet = createSandboxFleet();
    await assert.rejects(readClusterInventory(fleet, 'nope'), (err) => isPortError(err, 'not-found'));
  });
});

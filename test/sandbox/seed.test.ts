import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addPodIdentityTrust, DEFAULT_TRUST_POLICY_LIMIT } from '../../src/domain/trust-policy.js';
import { createSandboxFleet, seedFleet } from '../../src/sandbox/index.js';
import { livePods, ran, STS_PROBE } from '../support/sandbox-fixtures.js';

const CLUSTERS = ['sandbox-a', 'sandbox-b', 'sandbox-c', 'sandbox-unhealthy'];

describe('sandbox seed', () => {
  test('four clusters, ACTIVE 1.31 eks.10 with an OIDC issuer and three Linux nodes', async () => {
    const fleet = createSandboxFleet();
    for (const name of CLUSTERS) {
      const info = await fleet.eks.describeCluster(name);
      assert.deepEqual(
        [info.status, info.version, info.platformVersion, info.autoMode],
        ['ACTIVE', '1.31', 'eks.10', false],
      );
      assert.match(info.oidcIssuer ?? '', /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
      assert.equal(info.arn, `arn:aws:eks:us-east-1:111122223333:cluster/${name}`);
    }
    const state = await fleet.control.state();
    const issuers = new Set(CLUSTERS.map((c) => state.clusters[c]?.oidcIssuer));
    assert.equal(issuers.size, 4, 'one issuer per cluster');
    assert.equal(state.clusters['sandbox-b']?.nodes.filter((n) => n.labels['kubernetes.io/os'] === 'linux').length, 3);
  });

  test('the agent is healthy on a/b/c and degraded on sandbox-unhealthy', async () => {
    const fleet = createSandboxFleet();
    for (const name of ['sandbox-a', 'sandbox-b', 'sandbox-c']) {
      assert.deepEqual(await fleet.eks.describeAddon(name, 'eks-pod-identity-agent'), {
        name: 'eks-pod-identity-agent',
        status: 'ACTIVE',
        healthIssues: [],
      });
      const ds = await fleet.kubernetes.getDaemonSet(name, 'kube-system', 'eks-pod-identity-agent');
      assert.deepEqual([ds?.desiredNumberScheduled, ds?.numberReady], [3, 3]);
    }
    const addon = await fleet.eks.describeAddon('sandbox-unhealthy', 'eks-pod-identity-agent');
    assert.equal(addon?.status, 'DEGRADED');
    assert.equal(addon?.healthIssues.length, 1);
    const ds = await fleet.kubernetes.getDaemonSet('sandbox-unhealthy', 'kube-system', 'eks-pod-identity-agent');
    assert.deepEqual([ds?.desiredNumberScheduled, ds?.numberReady], [3, 1]);
    assert.equal(await fleet.eks.describeAddon('sandbox-a', 'vpc-cni'), undefined);
  });

  test('payments/reconciler runs on IRSA everywhere, as a Deployment and in sandbox-b a StatefulSet', async () => {
    const fleet = createSandboxFleet();
    for (const cluster of CLUSTERS) {
      const workloads = await fleet.kubernetes.listWorkloads(cluster, 'payments', 'reconciler');
      const expected =
        cluster === 'sandbox-b'
          ? ['Deployment/reconciler', 'StatefulSet/reconciler-ledger-writer']
          : ['Deployment/reconciler'];
      assert.deepEqual(
        workloads.map((w) => `${w.ref.kind}/${w.ref.name}`),
        expected,
      );
      const pods = await livePods(fleet, cluster);
      assert.equal(pods.length, expected.length * 2);
      assert.ok(pods.every((p) => p.ready && p.containers[0]?.env.AWS_ROLE_ARN?.endsWith('/eks-payments-reconciler')));
      const probe = ran(await fleet.kubernetes.exec(cluster, 'payments', pods[0]!.name, 'reconciler', STS_PROBE));
      assert.equal(probe.exitCode, 0, `${cluster}: ${probe.stderr}`);
    }
  });

  test('the reconciler role keeps the canary subject and the break-glass statement, and fits Pod Identity', async () => {
    const fleet = createSandboxFleet();
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    const text = JSON.stringify(role.trustPolicy);
    assert.match(text, /system:serviceaccount:payments:reconciler-canary/);
    assert.ok(
      role.trustPolicy.Statement.some((s) => s.Sid === 'BreakGlass' && s.Principal !== '*' && s.Principal?.AWS),
    );
    assert.ok(JSON.stringify(addPodIdentityTrust(role.trustPolicy).document).length <= DEFAULT_TRUST_POLICY_LIMIT);
    const docs = await fleet.iam.listRolePolicyDocuments(role.name);
    assert.deepEqual(
      docs.map((d) => d.source),
      ['inline:reconciler-data', 'arn:aws:iam::111122223333:policy/payments-common-read'],
    );
    assert.match(JSON.stringify(docs[0]?.document), /\$\{aws:PrincipalTag\/kubernetes-namespace\}/);
  });

  test('the cases preflight must stop are there', async () => {
    const fleet = createSandboxFleet();
    const fargatePods = await livePods(fleet, 'sandbox-a', 'fargate-worker');
    assert.equal(fargatePods[0]?.nodeLabels['eks.amazonaws.com/compute-type'], 'fargate');
    assert.equal(fargatePods[0]?.labels['eks.amazonaws.com/fargate-profile'], 'fp-payments-workers');
    assert.deepEqual(await fleet.eks.listFargateProfiles('sandbox-a'), [
      { name: 'fp-payments-workers', selectors: [{ namespace: 'payments', labels: { app: 'fargate-worker' } }] },
    ]);
    const proxy = (await livePods(fleet, 'sandbox-c', 'egress-proxy'))[0]?.containers[0]?.env ?? {};
    assert.ok(proxy.HTTPS_PROXY);
    assert.equal(proxy.NO_PROXY, undefined);
    const ledger = await fleet.iam.listRolePolicyDocuments('eks-payments-ledger');
    assert.match(JSON.stringify(ledger), /aws:PrincipalTag\/kubernetes-namespaces/);
    assert.ok((await livePods(fleet, 'sandbox-b', 'ledger')).length > 0);
  });

  test('every annotated service account names an existing role whose trust admits it', async () => {
    const fleet = createSandboxFleet();
    const state = seedFleet();
    for (const cluster of Object.values(state.clusters)) {
      for (const sa of cluster.serviceAccounts) {
        const arn = sa.annotations['eks.amazonaws.com/role-arn'];
        assert.ok(arn, `${cluster.name} ${sa.name}`);
        assert.ok(
          Object.values(state.roles).some((r) => r.arn === arn),
          arn,
        );
        const pod = (await livePods(fleet, cluster.name, sa.name))[0];
        assert.ok(pod, `${cluster.name} ${sa.name} has pods`);
        const container = pod.containers[0]!;
        const answer = ran(
          await fleet.kubernetes.exec(cluster.name, 'payments', pod.name, container.name, ['printenv', 'AWS_ROLE_ARN']),
        );
        assert.equal(answer.stdout.trim(), arn);
      }
      // Trust is proven by STS for the CLI images; for the others, by the statement's subject.
      for (const sa of cluster.serviceAccounts) {
        const roleName = sa.annotations['eks.amazonaws.com/role-arn']?.split('/').pop() ?? '';
        const issuer = cluster.oidcIssuer?.replace('https://', '') ?? '';
        const trust = JSON.stringify(state.roles[roleName]?.trustPolicy);
        assert.ok(trust.includes(`${issuer}:sub`) && trust.includes(`system:serviceaccount:payments:${sa.name}`));
      }
    }
  });

  test('seedFleet returns a fresh copy each time', () => {
    const a = seedFleet();
    a.roles = {};
    assert.ok(Object.keys(seedFleet().roles).length >= 4);
  });
});

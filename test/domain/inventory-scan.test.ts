import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterInventory, ClusterWideFacts } from '../../src/domain/fleet.js';
import { scanClusterInventory } from '../../src/domain/inventory.js';
import { FIXTURE_ROLE_ARN, fixturePod, healthyClusterFacts } from '../support/cluster-facts.js';

const POD_IDENTITY_ENV = {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:
    '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
};

function wide(): ClusterWideFacts {
  const { cluster, info, agentAddon, agentDaemonSet, fargateProfiles } = healthyClusterFacts();
  return { cluster, info, agentAddon, agentDaemonSet, fargateProfiles };
}

/** payments/api on IRSA (the healthy fixture) and a few neighbours, each a case. */
function inventory(): ClusterInventory {
  const healthy = healthyClusterFacts();
  const association = (namespace: string, serviceAccount: string, extra = {}) => ({
    associationId: `a-${namespace}-${serviceAccount}`,
    cluster: 'prod-a',
    namespace,
    serviceAccount,
    roleArn: FIXTURE_ROLE_ARN,
    ...extra,
  });
  return {
    cluster: 'prod-a',
    serviceAccounts: [
      healthy.serviceAccount!,
      { namespace: 'payments', name: 'plain', annotations: {} },
      { namespace: 'payments', name: 'worker', annotations: {} },
      { namespace: 'payments', name: 'backup', annotations: {} },
      { namespace: 'payments', name: 'win', annotations: { 'eks.amazonaws.com/role-arn': FIXTURE_ROLE_ARN } },
      { namespace: 'kube-system', name: 'aws-node', annotations: {} },
    ],
    workloads: [
      ...healthy.workloads,
      { ref: { kind: 'StatefulSet', namespace: 'payments', name: 'worker' }, serviceAccount: 'worker', generation: 1 },
    ],
    pods: [
      ...healthy.pods,
      fixturePod('plain-1', { serviceAccount: 'plain' }, {}),
      fixturePod('worker-0', { serviceAccount: 'worker' }, POD_IDENTITY_ENV),
      fixturePod('backup-1', { serviceAccount: 'backup' }, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }),
      fixturePod('win-1', { serviceAccount: 'win', nodeLabels: { 'kubernetes.io/os': 'windows' } }),
    ],
    associations: [
      association('payments', 'worker'),
      association('kube-system', 'aws-node', { ownerArn: 'arn:aws:eks:us-east-1:123456789012:addon/prod-a/vpc-cni/x' }),
      association('payments', 'gone'),
      association('legacy', 'sync'),
    ],
  };
}

describe('scanClusterInventory', () => {
  test('keeps the service accounts with an annotation, an association or pods holding AWS credentials', () => {
    const scan = scanClusterInventory(wide(), inventory());
    assert.deepEqual(
      scan.serviceAccounts.map((s) => `${s.namespace}/${s.name}`),
      ['payments/api', 'payments/backup', 'payments/win', 'payments/worker'],
      'not the plain one, not the add-on owned association, not associations without a service account',
    );
    const api = scan.serviceAccounts.find((s) => s.name === 'api');
    assert.equal(api?.irsaRoleArn, FIXTURE_ROLE_ARN);
    assert.deepEqual(api?.pods, { total: 2, irsa: 2, podIdentity: 0, staticKeys: 0 });
    assert.deepEqual(api?.workloads, [{ kind: 'Deployment', namespace: 'payments', name: 'api' }]);
    assert.deepEqual(api?.notMigratable, []);
    const worker = scan.serviceAccounts.find((s) => s.name === 'worker');
    assert.deepEqual(worker?.associations, [{ associationId: 'a-payments-worker', roleArn: FIXTURE_ROLE_ARN }]);
    assert.deepEqual(worker?.pods, { total: 1, irsa: 0, podIdentity: 1, staticKeys: 0 });
    assert.deepEqual(scan.serviceAccounts.find((s) => s.name === 'backup')?.pods.staticKeys, 1);
  });

  test("preflight's own checks decide what Pod Identity cannot serve, and what blocks a migration", () => {
    const facts = wide();
    const scan = scanClusterInventory(facts, inventory());
    const win = scan.serviceAccounts.find((s) => s.name === 'win');
    assert.equal(win?.notMigratable.length, 1);
    assert.match(win?.notMigratable[0] ?? '', /Windows node, where Pod Identity does not work/);

    const noAgent = scanClusterInventory({ ...facts, agentAddon: undefined, agentDaemonSet: undefined }, inventory());
    assert.ok(
      noAgent.serviceAccounts.every((s) =>
        s.notMigratable.some((r) => /add-on eks-pod-identity-agent is not installed/.test(r)),
      ),
    );

    const hybrid = inventory();
    hybrid.pods = hybrid.pods.map((p) =>
      p.serviceAccount === 'api' ? { ...p, nodeLabels: { 'eks.amazonaws.com/compute-type': 'hybrid' } } : p,
    );
    assert.match(scanClusterInventory(facts, hybrid).serviceAccounts[0]?.notMigratable[0] ?? '', /hybrid node/);

    const proxied = inventory();
    proxied.pods = proxied.pods.map((p) =>
      p.serviceAccount === 'api'
        ? fixturePod(p.name, {}, { ...p.containers[0]?.env, HTTPS_PROXY: 'http://proxy:3128' })
        : p,
    );
    const api = scanClusterInventory(facts, proxied).serviceAccounts[0];
    assert.deepEqual([api?.notMigratable, api?.blockers], [[], ['proxy-no-proxy']]);
  });

  test('associations say whether their service account and namespace still exist; the cluster what EKS said', () => {
    const scan = scanClusterInventory(wide(), inventory(), [
      { severity: 'blocking', code: 'cannot-read-access-denied', message: 'x' },
    ]);
    assert.deepEqual(
      scan.associations.map((a) => [`${a.namespace}/${a.serviceAccount}`, a.serviceAccountExists, a.namespaceExists]),
      [
        ['payments/worker', true, true],
        ['kube-system/aws-node', true, true],
        ['payments/gone', false, true],
        ['legacy/sync', false, false],
      ],
    );
    assert.deepEqual(
      [scan.eksClusterName, scan.region, scan.accountId, scan.oidcIssuer],
      ['prod-a', 'us-east-1', '123456789012', 'https://oidc.eks.us-east-1.amazonaws.com/id/AAAA'],
    );
    assert.deepEqual(scan.counts, { serviceAccounts: 6, workloads: 2, pods: 6 });
    assert.equal(scan.findings.length, 1);
  });

  test('a cluster EKS does not know (EKS Anywhere): its service accounts are not migratable', () => {
    const scan = scanClusterInventory(
      { cluster: 'onprem', fargateProfiles: [] },
      { ...inventory(), cluster: 'onprem', associations: [] },
    );
    assert.equal(scan.eksClusterName, undefined);
    assert.ok(scan.serviceAccounts.length > 0);
    assert.ok(scan.serviceAccounts.every((s) => /not found/.test(s.notMigratable[0] ?? '')));
  });
});

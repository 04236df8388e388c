import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateCluster } from '../../src/domain/cluster-checks.js';
import type { ClusterInventory } from '../../src/domain/fleet.js';
import { clusterFacts, serviceAccountFactsIn } from '../../src/domain/inventory.js';
import { FIXTURE_ROLE_ARN, fixturePod, healthyClusterFacts } from '../support/cluster-facts.js';

/** payments/api (the healthy fixture), plus `api` in another namespace and `worker` beside it. */
function inventory(): ClusterInventory {
  const healthy = healthyClusterFacts();
  const association = (namespace: string, serviceAccount: string) => ({
    associationId: `a-${namespace}-${serviceAccount}`,
    cluster: 'prod-a',
    namespace,
    serviceAccount,
    roleArn: FIXTURE_ROLE_ARN,
  });
  return {
    cluster: 'prod-a',
    serviceAccounts: [
      healthy.serviceAccount!,
      { namespace: 'payments', name: 'worker', annotations: {} },
      { namespace: 'shop', name: 'api', annotations: {} },
    ],
    workloads: [
      ...healthy.workloads,
      { ref: { kind: 'Deployment', namespace: 'payments', name: 'worker' }, serviceAccount: 'worker', generation: 1 },
      { ref: { kind: 'StatefulSet', namespace: 'shop', name: 'api' }, serviceAccount: 'api', generation: 2 },
    ],
    pods: [
      ...healthy.pods,
      fixturePod('worker-1', { serviceAccount: 'worker' }),
      fixturePod('shop-api-0', { namespace: 'shop' }),
    ],
    associations: [association('payments', 'worker'), association('shop', 'api')],
  };
}

describe('serviceAccountFactsIn', () => {
  test("cuts out one service account's own objects, by namespace and name", () => {
    const own = serviceAccountFactsIn(inventory(), { namespace: 'shop', name: 'api' });
    assert.deepEqual(own.serviceAccount, { namespace: 'shop', name: 'api', annotations: {} });
    assert.deepEqual(
      own.workloads.map((w) => w.ref.name),
      ['api'],
    );
    assert.equal(own.workloads[0]?.ref.kind, 'StatefulSet');
    assert.deepEqual(
      own.pods.map((p) => p.name),
      ['shop-api-0'],
    );
    assert.deepEqual(
      own.existingAssociations.map((a) => a.associationId),
      ['a-shop-api'],
    );
  });

  test('gives evaluateCluster the same facts as the per-service-account reads did', () => {
    const healthy = healthyClusterFacts();
    const { cluster, info, agentAddon, agentDaemonSet, fargateProfiles } = healthy;
    const wide = { cluster, info, agentAddon, agentDaemonSet, fargateProfiles };
    const facts = clusterFacts(
      wide,
      serviceAccountFactsIn(inventory(), { namespace: 'payments', name: 'api' }),
      FIXTURE_ROLE_ARN,
    );
    assert.deepEqual(facts, healthy);
    assert.deepEqual(evaluateCluster(facts), []);
  });

  test('a service account that is not there has no facts of its own', () => {
    const own = serviceAccountFactsIn(inventory(), { namespace: 'web', name: 'frontend' });
    assert.deepEqual(own, { serviceAccount: undefined, workloads: [], pods: [], existingAssociations: [] });
    const codes = evaluateCluster(clusterFacts(healthyClusterFacts(), own, FIXTURE_ROLE_ARN)).map((f) => f.code);
    assert.deepEqual(codes, ['service-account-not-found', 'no-workloads']);
  });
});

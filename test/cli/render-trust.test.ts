import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trustScopeText } from '../../src/cli/render.js';

describe('the plan shows whom the Pod Identity trust admits', () => {
  test('scoped to the clusters, to any cluster, or unscoped', () => {
    const scope = {
      namespace: 'payments',
      serviceAccount: 'reconciler',
      clusterArns: ['arn:aws:eks:us-east-1:111122223333:cluster/a', 'arn:aws:eks:us-east-1:111122223333:cluster/b'],
    };
    assert.equal(trustScopeText(scope), 'scope: payments/reconciler in a, b (aws:RequestTag conditions)');
    assert.equal(
      trustScopeText({ ...scope, clusterArns: [] }),
      'scope: payments/reconciler in any cluster of the account (aws:RequestTag conditions)',
    );
    assert.equal(
      trustScopeText(undefined),
      'scope: unscoped, every Pod Identity association in the account that names the role',
    );
  });
});

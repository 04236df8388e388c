import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRoleReuse } from '../../src/cli/role-reuse-render.js';

test('the role reuse matrix: a column per action and resource, a row per service account, the migrating one first', () => {
  const lines = renderRoleReuse({
    roleArn: 'arn:aws:iam::111122223333:role/eks-payments-reconciler',
    sharedWith: [{ cluster: 'sandbox-c', namespace: 'orders', serviceAccount: 'checkout', associationId: 'a-1' }],
    unreadClusters: [],
    simulated: {
      pairs: [
        { action: 's3:GetObject', resource: 'arn:aws:s3:::data/payments/*' },
        { action: 'ssm:GetParameter', resource: 'arn:aws:ssm:*:111122223333:parameter/payments/*' },
      ],
      notSimulated: ['s3:List*'],
    },
    matrix: [
      {
        cluster: 'sandbox-a',
        namespace: 'payments',
        serviceAccount: 'reconciler',
        intended: true,
        cells: [
          { action: 's3:GetObject', resource: 'arn:aws:s3:::data/payments/*', decision: 'allowed' },
          {
            action: 'ssm:GetParameter',
            resource: 'arn:aws:ssm:*:111122223333:parameter/payments/*',
            decision: 'allowed',
          },
        ],
      },
      {
        cluster: 'sandbox-c',
        namespace: 'orders',
        serviceAccount: 'checkout',
        intended: false,
        cells: [
          { action: 's3:GetObject', resource: 'arn:aws:s3:::data/payments/*', decision: 'implicitDeny' },
          {
            action: 'ssm:GetParameter',
            resource: 'arn:aws:ssm:*:111122223333:parameter/payments/*',
            decision: 'allowed',
          },
        ],
      },
    ],
  });
  assert.deepEqual(lines, [
    'role reuse: eks-payments-reconciler is shared with orders/checkout (sandbox-c)',
    '  [1] s3:GetObject on arn:aws:s3:::data/payments/*',
    '  [2] ssm:GetParameter on arn:aws:ssm:*:111122223333:parameter/payments/*',
    '                                   [1]   [2]',
    '  payments/reconciler (migrating)  allow allow',
    '  orders/checkout (sandbox-c)      deny  allow',
    '  not simulated: s3:List*',
  ]);
  assert.deepEqual(renderRoleReuse(undefined), []);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NamedPolicyDocument } from '../../src/domain/iam.js';
import { simulatePolicies, type SimulationRequest } from '../../src/domain/policy-simulation.js';
import type { PolicyStatement } from '../../src/domain/types.js';

const ROLE = 'arn:aws:iam::111122223333:role/shared';
const tags = (namespace: string, serviceAccount = 'app') => ({
  'aws:PrincipalTag/kubernetes-namespace': namespace,
  'aws:PrincipalTag/kubernetes-service-account': serviceAccount,
  'aws:PrincipalTag/eks-cluster-name': 'prod-a',
});
const docs = (...statements: PolicyStatement[]): NamedPolicyDocument[] => [
  { source: 'inline:data', document: { Version: '2012-10-17', Statement: statements } },
];
const request = (overrides: Partial<SimulationRequest>): SimulationRequest => ({
  policySourceArn: ROLE,
  actions: ['s3:GetObject'],
  resources: ['arn:aws:s3:::bucket/payments/report.csv'],
  context: tags('payments'),
  ...overrides,
});
const decision = (d: NamedPolicyDocument[], r: SimulationRequest) => simulatePolicies(d, r).map((x) => x.decision);

describe('policy simulation: principal tags as IAM evaluates them', () => {
  test('StringEquals on aws:PrincipalTag/kubernetes-namespace: the intended namespace allowed, a foreign one not', () => {
    const policy = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::bucket/*',
      Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'payments' } },
    });
    const [allowed] = simulatePolicies(policy, request({}));
    assert.deepEqual(allowed, {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::bucket/payments/report.csv',
      decision: 'allowed',
      matchedStatements: ['data'],
      missingContextKeys: [],
    });
    assert.deepEqual(decision(policy, request({ context: tags('orders') })), ['implicitDeny']);
    // Condition key names are case-insensitive, values are not.
    const upper = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEquals: { 'AWS:PRINCIPALTAG/Kubernetes-Namespace': 'payments' } },
    });
    assert.deepEqual(decision(upper, request({})), ['allowed']);
    assert.deepEqual(decision(upper, request({ context: tags('Payments') })), ['implicitDeny']);
  });

  test('a resource built from ${aws:PrincipalTag/…}: each namespace reaches only its own prefix', () => {
    const policy = docs({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: 'arn:aws:s3:::bucket/${aws:PrincipalTag/kubernetes-namespace}/*',
    });
    const own = 'arn:aws:s3:::bucket/payments/*';
    assert.deepEqual(decision(policy, request({ resources: [own] })), ['allowed']);
    assert.deepEqual(decision(policy, request({ resources: [own], context: tags('orders') })), ['implicitDeny']);
    assert.deepEqual(decision(policy, request({ actions: ['s3:DeleteObject'], resources: [own] })), ['implicitDeny']);
  });

  test('a misspelt tag key never resolves: the intended service account is denied and the key named as missing', () => {
    const policy = docs({
      Effect: 'Allow',
      Action: 'dynamodb:PutItem',
      Resource: 'arn:aws:dynamodb:us-east-1:111122223333:table/ledger',
      Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespaces': 'payments' } },
    });
    const [result] = simulatePolicies(
      policy,
      request({ actions: ['dynamodb:PutItem'], resources: ['arn:aws:dynamodb:us-east-1:111122223333:table/ledger'] }),
    );
    assert.equal(result?.decision, 'implicitDeny');
    assert.deepEqual(result?.missingContextKeys, ['aws:PrincipalTag/kubernetes-namespaces']);
    // Likewise in a resource variable, unless it carries a default.
    const variable = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*',
    });
    const [unresolved] = simulatePolicies(variable, request({ resources: ['arn:aws:s3:::bucket/payments/x'] }));
    assert.deepEqual(
      [unresolved?.decision, unresolved?.missingContextKeys],
      ['implicitDeny', ['aws:PrincipalTag/team']],
    );
    const withDefault = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*",
    });
    assert.deepEqual(decision(withDefault, request({ resources: ['arn:aws:s3:::bucket/shared/x'] })), ['allowed']);
  });

  test('StringLike wildcards; a negated operator or …IfExists on an absent key holds; Null tests presence', () => {
    const like = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringLike: { 'aws:PrincipalTag/kubernetes-namespace': 'pay*' } },
    });
    assert.deepEqual(decision(like, request({})), ['allowed']);
    assert.deepEqual(decision(like, request({ context: tags('orders') })), ['implicitDeny']);
    const notEquals = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'orders' } },
    });
    assert.deepEqual(decision(notEquals, request({})), ['allowed'], 'key absent: the negated condition is true');
    const ifExists = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'payments' } },
    });
    assert.deepEqual(decision(ifExists, request({})), ['allowed']);
    const mustBeSet = docs({
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { Null: { 'aws:PrincipalTag/kubernetes-namespace': 'false' } },
    });
    assert.deepEqual(decision(mustBeSet, request({})), ['allowed']);
    assert.deepEqual(decision(mustBeSet, request({ context: {} })), ['implicitDeny']);
  });

  test('an explicit Deny wins and is the only statement named; NotAction and NotResource; several actions and resources', () => {
    const policy: NamedPolicyDocument[] = [
      ...docs({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
      {
        source: 'arn:aws:iam::111122223333:policy/guard',
        document: {
          Statement: [
            {
              Effect: 'Deny',
              NotAction: 's3:GetObject',
              NotResource: 'arn:aws:s3:::bucket/payments/*',
              Condition: { StringNotEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'payments' } },
            },
          ],
        },
      },
    ];
    const results = simulatePolicies(
      policy,
      request({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: ['arn:aws:s3:::bucket/payments/a', 'arn:aws:s3:::other/b'],
        context: tags('orders'),
      }),
    );
    assert.deepEqual(
      results.map((r) => [r.action, r.resource, r.decision, r.matchedStatements]),
      [
        ['s3:GetObject', 'arn:aws:s3:::bucket/payments/a', 'allowed', ['data']],
        ['s3:GetObject', 'arn:aws:s3:::other/b', 'allowed', ['data']],
        ['s3:PutObject', 'arn:aws:s3:::bucket/payments/a', 'allowed', ['data']],
        ['s3:PutObject', 'arn:aws:s3:::other/b', 'explicitDeny', ['guard']],
      ],
    );
  });
});

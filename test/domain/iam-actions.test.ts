import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { policiesAllow } from '../../src/domain/iam-actions.js';
import type { NamedPolicyDocument } from '../../src/domain/iam.js';
import type { PolicyStatement } from '../../src/domain/types.js';

const ACTION = 'eks-auth:AssumeRoleForPodIdentity';
const CLUSTER = 'arn:aws:eks:us-east-1:123456789012:cluster/prod-a';
const doc = (source: string, ...statements: PolicyStatement[]): NamedPolicyDocument => ({
  source,
  document: { Version: '2012-10-17', Statement: statements },
});
const allow = (overrides: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Effect: 'Allow',
  Action: ACTION,
  Resource: '*',
  ...overrides,
});

/*
 * IAM User Guide, "Policy evaluation logic": an explicit Deny overrides any Allow, and a
 * request no statement allows is implicitly denied. AmazonEKSWorkerNodePolicy allows the
 * action on "*" (AWS Managed Policy Reference).
 */
describe('policiesAllow', () => {
  const cases: [string, NamedPolicyDocument[], 'yes' | 'no' | 'unknown'][] = [
    [
      'AmazonEKSWorkerNodePolicy-style allow',
      [doc('worker', allow({ Action: ['eks:DescribeCluster', ACTION] }))],
      'yes',
    ],
    ['a wildcard action, any case', [doc('p', allow({ Action: 'EKS-AUTH:*' }))], 'yes'],
    [
      'the cluster ARN as resource',
      [doc('p', allow({ Resource: 'arn:aws:eks:us-east-1:123456789012:cluster/*' }))],
      'yes',
    ],
    [
      'another cluster only',
      [doc('p', allow({ Resource: 'arn:aws:eks:us-east-1:123456789012:cluster/prod-b' }))],
      'no',
    ],
    ['NotAction that leaves it in', [doc('p', allow({ Action: undefined, NotAction: 'iam:*' }))], 'yes'],
    ['NotAction that takes it out', [doc('p', allow({ Action: undefined, NotAction: 'eks-auth:*' }))], 'no'],
    ['no policy mentions it', [doc('cni', allow({ Action: 'ec2:AssignPrivateIpAddresses' }))], 'no'],
    ['no policies at all', [], 'no'],
    ['an explicit deny wins', [doc('a', allow()), doc('b', allow({ Effect: 'Deny' }))], 'no'],
    [
      'only a conditioned allow',
      [doc('p', allow({ Condition: { StringEquals: { 'aws:ResourceTag/x': 'y' } } }))],
      'unknown',
    ],
    [
      'a conditioned allow beside a plain one',
      [doc('a', allow({ Condition: { Bool: { x: 'true' } } })), doc('b', allow())],
      'yes',
    ],
    [
      'a conditioned deny beside an allow',
      [doc('a', allow()), doc('b', allow({ Effect: 'Deny', Condition: { Bool: { x: 'true' } } }))],
      'unknown',
    ],
    ['NotResource', [doc('p', allow({ Resource: undefined, NotResource: 'arn:aws:s3:::x' }))], 'unknown'],
  ];
  for (const [name, documents, expected] of cases) {
    test(`${name} -> ${expected}`, () => assert.equal(policiesAllow(documents, ACTION, CLUSTER).allows, expected));
  }

  test('says which policy allows it, or why not', () => {
    assert.deepEqual(
      policiesAllow([doc('arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', allow())], ACTION, CLUSTER),
      {
        allows: 'yes',
        source: 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      },
    );
    assert.deepEqual(policiesAllow([doc('inline:x', allow({ Effect: 'Deny' }))], ACTION, CLUSTER), {
      allows: 'no',
      reason: `inline:x denies ${ACTION}`,
    });
  });
});

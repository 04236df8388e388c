import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeBreadth,
  findRole,
  policyBreadth,
  principalTagUse,
  type RoleCatalog,
} from '../../src/domain/role-profile.js';

const doc = (...Statement: object[]) =>
  ({ source: 'inline:x', document: { Version: '2012-10-17', Statement } }) as never;

describe('policyBreadth', () => {
  test('counts distinct allowed actions and resources, wildcards, and * on *', () => {
    const narrow = policyBreadth([
      doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::b/*' }),
      doc(
        { Effect: 'Allow', Action: 'S3:GetObject', Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::c/*'] },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ),
    ]);
    assert.deepEqual(narrow, {
      policies: 2,
      statements: 2,
      actions: 2,
      resources: 2,
      wildcardActions: [],
      allResources: false,
      admin: false,
    });
    assert.equal(describeBreadth(narrow), '2 actions on 2 resources');
    const broad = policyBreadth([doc({ Effect: 'Allow', Action: ['s3:*', 'sqs:Send*'], Resource: '*' })]);
    assert.deepEqual([broad.wildcardActions, broad.allResources, broad.admin], [['s3:*', 'sqs:Send*'], true, false]);
    assert.equal(describeBreadth(broad), '2 actions (2 wildcard) on 1 resources, all resources');
    const admin = policyBreadth([doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })]);
    assert.deepEqual([admin.wildcardActions, admin.admin], [['NotAction'], true]);
    assert.equal(describeBreadth(admin), 'ADMIN (* on *)');
  });
});

describe('principalTagUse', () => {
  test('keys read, and those neither Pod Identity nor the role provides', () => {
    const use = principalTagUse(
      [
        doc({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/kubernetes-namespace}/*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': 'x', 'aws:PrincipalTag/kubernetes-namespaces': 'y' } },
        }),
      ],
      { Team: 'payments' },
    );
    assert.deepEqual(use, {
      keys: ['kubernetes-namespace', 'kubernetes-namespaces', 'team'],
      unknown: ['kubernetes-namespaces'],
    });
  });
});

describe('findRole', () => {
  test('by ARN, or by name in the same account when the annotation leaves out the path', () => {
    const catalog: RoleCatalog = {
      accountId: '123456789012',
      trustPolicySizeLimit: 2048,
      oidcProviders: [],
      roles: [{ arn: 'arn:aws:iam::123456789012:role/team/app', name: 'app', trustPolicy: { Statement: [] } }],
    };
    assert.equal(findRole(catalog, 'arn:aws:iam::123456789012:role/team/app')?.name, 'app');
    assert.equal(findRole(catalog, 'arn:aws:iam::123456789012:role/app')?.name, 'app');
    assert.equal(findRole(catalog, 'arn:aws:iam::999999999999:role/app'), undefined);
    assert.equal(findRole(catalog, 'arn:aws:iam::123456789012:role/other'), undefined);
  });
});

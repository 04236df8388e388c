import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readPolicy, readRbac } from '../support/deploy-grants.js';

const dir = mkdtempSync(join(tmpdir(), 'deploy-grants-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const statement = {
  Sid: 'Read',
  Effect: 'Allow',
  Action: 'eks:DescribeCluster',
  Resource: 'arn:aws:eks:r:1:cluster/a',
};
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const role = (rules: string) => `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: r }
rules:
${rules}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: r }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: Group, name: g }]
`;

describe('readPolicy', () => {
  test('returns the allowed actions, not the denied ones', () => {
    const deny = { ...statement, Sid: 'Never', Effect: 'Deny', Action: 'iam:PassRole' };
    const file = write('ok.json', policy(statement, deny));
    assert.deepEqual([...readPolicy(dir + '/', file).allowed], ['eks:DescribeCluster']);
  });

  for (const [name, text, error] of [
    ['no version', JSON.stringify({ Statement: [statement] }), /Version must be 2012-10-17/],
    [
      'resource * on a scoped action',
      policy({ ...statement, Resource: '*' }),
      /"Resource": "\*" for actions that support resource-level ARNs/,
    ],
    ['NotAction', policy({ ...statement, NotAction: 'iam:*' }), /no NotAction/],
    ['wildcard action', policy({ ...statement, Action: 'eks:*' }), /bad action eks:\*/],
    ['repeated Sid', policy(statement, statement), /Sid Read repeats/],
    ['no Effect', policy({ ...statement, Effect: 'allow' }), /Effect must be Allow or Deny/],
  ] as const) {
    test(`rejects a policy with ${name}`, () => {
      const file = write(`${name}.json`, text);
      assert.throws(() => readPolicy(dir + '/', file), error);
    });
  }
});

describe('readRbac', () => {
  test('expands rules into verb-resource grants', () => {
    const file = write('ok.yaml', role("  - { apiGroups: ['', apps], resources: [pods], verbs: [get, list] }"));
    assert.deepEqual([...readRbac(dir + '/', file, 'g')].sort(), [
      'get pods',
      'get pods.apps',
      'list pods',
      'list pods.apps',
    ]);
  });

  test('rejects wildcards, roles bound to another group and broken YAML', () => {
    const wildcard = write('wild.yaml', role("  - { apiGroups: [''], resources: ['*'], verbs: [get] }"));
    assert.throws(() => readRbac(dir + '/', wildcard, 'g'), /has a wildcard/);
    const other = write('other.yaml', role("  - { apiGroups: [''], resources: [pods], verbs: [get] }"));
    assert.throws(() => readRbac(dir + '/', other, 'someone-else'), /not bound to the group someone-else/);
    const broken = write('broken.yaml', 'kind: ClusterRole\nrules: [\n');
    assert.throws(() => readRbac(dir + '/', broken, 'g'), /is not valid YAML/);
  });
});

/*
 * What a target role needs for EKS Pod Identity to chain to it, per the EKS User Guide,
 * "Access AWS Resources using EKS Pod Identity Target IAM Roles": a trust statement that
 * admits the association's role for sts:AssumeRole and sts:TagSession (the session tags are
 * passed on), optionally conditioned on aws:PrincipalARN and the request tags; and a
 * permission policy on the association's role allowing both on the target, which IAM
 * requires across accounts (IAM User Guide, "Cross-account policy evaluation logic").
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTargetRole, targetTrustStatement, type TargetRoleFacts } from '../../src/domain/target-role.js';
import type { PolicyStatement } from '../../src/domain/types.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const OTHER_ACCOUNT_TARGET = 'arn:aws:iam::444455556666:role/payments-data';
const SAME_ACCOUNT_TARGET = 'arn:aws:iam::111122223333:role/payments-data';
const CLUSTER_A = 'arn:aws:eks:us-east-1:111122223333:cluster/prod-a';
const CLUSTER_B = 'arn:aws:eks:us-east-1:111122223333:cluster/prod-b';

const grantOnTarget = (target: string) => [
  {
    source: 'inline:chain',
    document: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow' as const, Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: target }],
    },
  },
];

const trust = (...statements: PolicyStatement[]) => ({ Version: '2012-10-17', Statement: statements });

/** The guide's first example, for this role and one cluster. */
const guideStatement = (clusterArn = CLUSTER_A): PolicyStatement => ({
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:root' },
  Action: ['sts:AssumeRole', 'sts:TagSession'],
  Condition: {
    StringEquals: {
      'aws:RequestTag/eks-cluster-arn': clusterArn,
      'aws:RequestTag/kubernetes-namespace': 'payments',
      'aws:RequestTag/kubernetes-service-account': 'reconciler',
    },
    ArnEquals: { 'aws:PrincipalARN': ROLE },
  },
});

function facts(overrides: Partial<TargetRoleFacts> = {}): TargetRoleFacts {
  return {
    roleArn: ROLE,
    targetRoleArn: SAME_ACCOUNT_TARGET,
    sessionTags: true,
    serviceAccount: { namespace: 'payments', name: 'reconciler' },
    clusterArns: [CLUSTER_A],
    rolePolicies: grantOnTarget(SAME_ACCOUNT_TARGET),
    targetTrust: trust(guideStatement()),
    ...overrides,
  };
}

const found = (f: TargetRoleFacts) => checkTargetRole(f).map((x) => `${x.severity} ${x.code}`);

describe('checkTargetRole: the target trust', () => {
  test("the guide's statement, with the role's grant, is all it takes", () => {
    assert.deepEqual(found(facts()), []);
  });

  test('a trust naming the role itself needs no grant in the same account', () => {
    const named: PolicyStatement = {
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    };
    assert.deepEqual(found(facts({ targetTrust: trust(named), rolePolicies: [] })), []);
  });

  test('without sts:TagSession it blocks while session tags are on, and passes with them off', () => {
    const assumeOnly: PolicyStatement = { ...guideStatement(), Action: 'sts:AssumeRole' };
    const [finding] = checkTargetRole(facts({ targetTrust: trust(assumeOnly) }));
    assert.equal(finding?.code, 'target-role-trust');
    assert.equal(finding?.severity, 'blocking');
    assert.match(
      finding.message,
      /does not let .*eks-payments-reconciler assume it for pods of .*prod-a: no statement admits .* for sts:TagSession/,
    );
    assert.match(finding.message, /"Action":\["sts:AssumeRole","sts:TagSession"\]/);
    const untagged: PolicyStatement = { ...assumeOnly, Condition: { ArnEquals: { 'aws:PrincipalARN': ROLE } } };
    assert.deepEqual(found(facts({ sessionTags: false, targetTrust: trust(untagged) })), []);
  });

  test('a trust for another cluster, namespace or role does not admit this one', () => {
    assert.deepEqual(found(facts({ clusterArns: [CLUSTER_A, CLUSTER_B] })), ['blocking target-role-trust']);
    const otherRole = { ...guideStatement(), Condition: { ArnEquals: { 'aws:PrincipalARN': `${ROLE}-x` } } };
    assert.deepEqual(found(facts({ targetTrust: trust(otherRole) })), ['blocking target-role-trust']);
    const otherAccount = { ...guideStatement(), Principal: { AWS: 'arn:aws:iam::999999999999:root' } };
    assert.deepEqual(found(facts({ targetTrust: trust(otherAccount) })), ['blocking target-role-trust']);
  });

  test('request-tag conditions fail when session tags are disabled: EKS sends none', () => {
    assert.deepEqual(found(facts({ sessionTags: false })), ['blocking target-role-trust']);
  });

  test('an explicit Deny wins', () => {
    const deny: PolicyStatement = { Effect: 'Deny', Principal: '*', Action: 'sts:*' };
    const [finding] = checkTargetRole(facts({ targetTrust: trust(guideStatement(), deny) }));
    assert.match(finding!.message, /a statement denies sts:AssumeRole/);
  });

  test("a condition on the association's external id cannot be decided yet: a warning", () => {
    // The guide's second example: session tags disabled, sts:ExternalId set by EKS.
    const external: PolicyStatement = {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'sts:ExternalId': 'us-east-1/111122223333/prod-a/payments/reconciler' },
        ArnEquals: { 'aws:PrincipalARN': ROLE },
      },
    };
    const [finding] = checkTargetRole(facts({ sessionTags: false, targetTrust: trust(external) }));
    assert.equal(finding?.code, 'target-role-trust-unverified');
    assert.equal(finding?.severity, 'warning');
    assert.match(finding.message, /externalId is in aws eks describe-pod-identity-association/);
  });
});

describe("checkTargetRole: the role's own grant", () => {
  test("across accounts the target cannot be read: a warning with the statement to add, and the role's grant still checked", () => {
    const cross = facts({ targetRoleArn: OTHER_ACCOUNT_TARGET, targetTrust: undefined, rolePolicies: [] });
    const findings = checkTargetRole(cross);
    assert.deepEqual(
      findings.map((f) => `${f.severity} ${f.code}`),
      ['warning target-role-unverified', 'blocking target-role-permission', 'blocking target-role-permission'],
    );
    assert.match(findings[0]!.message, /in account 444455556666, whose IAM this tool does not read/);
    assert.match(findings[1]!.message, /must itself be allowed sts:AssumeRole on .*payments-data \(another account\)/);
    assert.deepEqual(found({ ...cross, rolePolicies: grantOnTarget(OTHER_ACCOUNT_TARGET) }), [
      'warning target-role-unverified',
    ]);
  });

  test('a trust naming only the account needs the grant in the same account too', () => {
    const [finding] = checkTargetRole(facts({ rolePolicies: [] }));
    assert.equal(finding?.code, 'target-role-permission');
    assert.match(finding.message, /the target's trust names the account, not the role/);
  });

  test('a permissions boundary that leaves the grant out refuses it', () => {
    const boundary = {
      source: 'permissions boundary arn:aws:iam::111122223333:policy/b',
      document: trust({ Effect: 'Allow', Action: 's3:*', Resource: '*' }),
    };
    assert.deepEqual(found(facts({ boundary })), [
      'blocking target-role-permission',
      'blocking target-role-permission',
    ]);
  });

  test("the role's policies unread: nothing to say about them", () => {
    const { rolePolicies: _unread, ...rest } = facts();
    assert.deepEqual(found(rest), []);
  });
});

describe('targetTrustStatement', () => {
  test("the guide's shape: the role's account, only this role, TagSession when tags are on", () => {
    assert.deepEqual(targetTrustStatement({ roleArn: ROLE, sessionTags: true }), {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { ArnEquals: { 'aws:PrincipalARN': ROLE } },
    });
    assert.equal(targetTrustStatement({ roleArn: ROLE, sessionTags: false }).Action, 'sts:AssumeRole');
  });
});

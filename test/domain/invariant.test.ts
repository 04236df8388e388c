import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  credentialInvariantViolations,
  describeViolation,
  type CredentialFacts,
  type PodCredentialFacts,
} from '../../src/domain/invariant.js';
import { irsaStatement, podIdentityStatement } from '../../src/domain/trust-policy.js';
import type { PolicyDocument } from '../../src/domain/types.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const ISSUER = 'https://oidc.eks.us-east-1.amazonaws.com/id/AAAA';
const CLUSTER = { arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/a`, oidcIssuer: ISSUER };

const pod = (path: PodCredentialFacts['path'], name = 'app-1'): PodCredentialFacts => ({
  cluster: 'a',
  namespace: 'shop',
  name,
  serviceAccount: 'app',
  path,
  ...(path === 'irsa' && { irsaRoleArn: ROLE }),
});

function facts(overrides: Partial<CredentialFacts> = {}): CredentialFacts {
  return {
    accountId: ACCOUNT,
    now: 1_000_000,
    clusters: { a: CLUSTER },
    trustPolicies: {
      [ROLE]: {
        Statement: [irsaStatement(ACCOUNT, ISSUER, 'shop', 'app'), podIdentityStatement('MigrateIdentityPodIdentity')],
      },
    },
    associations: [{ cluster: 'a', namespace: 'shop', serviceAccount: 'app', roleArn: ROLE }],
    pods: [pod('irsa'), pod('pod-identity', 'app-2')],
    ...overrides,
  };
}

describe('credential invariant', () => {
  test('IRSA and Pod Identity pods with their trust and association hold it', () => {
    assert.deepEqual(credentialInvariantViolations(facts()), []);
  });

  test('a Pod Identity pod whose role no longer trusts pods.eks.amazonaws.com: the 1:17 AM incident', () => {
    const found = credentialInvariantViolations(
      facts({ trustPolicies: { [ROLE]: { Statement: [irsaStatement(ACCOUNT, ISSUER, 'shop', 'app')] } } }),
    );
    assert.deepEqual(
      found.map((v) => [v.pod, v.missing]),
      [['shop/app-2', 'pod-identity-trust']],
    );
    assert.match(describeViolation(found[0]!), /^a: pod shop\/app-2 on pod-identity is missing its pod-identity-trust/);
  });

  test('a Pod Identity pod without its association breaks it once vended credentials would have expired', () => {
    const deleted = facts({
      associations: [{ cluster: 'a', namespace: 'shop', serviceAccount: 'app', roleArn: ROLE, deletedAt: 999_000 }],
    });
    assert.deepEqual(credentialInvariantViolations(deleted, { deletedAssociationGraceMs: 60_000 }), []);
    assert.deepEqual(
      credentialInvariantViolations(deleted).map((v) => v.missing),
      ['association'],
    );
    assert.deepEqual(
      credentialInvariantViolations(facts({ associations: [] })).map((v) => [v.pod, v.missing]),
      [['shop/app-2', 'association']],
    );
  });

  test('an IRSA pod needs the trust of its own cluster issuer for its subject; the annotation no longer matters', () => {
    const otherSubject = facts({
      trustPolicies: {
        [ROLE]: {
          Statement: [
            irsaStatement(ACCOUNT, ISSUER, 'shop', 'other'),
            podIdentityStatement('MigrateIdentityPodIdentity'),
          ],
        },
      },
    });
    assert.deepEqual(
      credentialInvariantViolations(otherSubject).map((v) => [v.pod, v.missing]),
      [['shop/app-1', 'irsa-trust']],
    );
    const otherCluster = facts({
      clusters: { a: { ...CLUSTER, oidcIssuer: 'https://oidc.eks.us-east-1.amazonaws.com/id/BBBB' } },
    });
    assert.deepEqual(
      credentialInvariantViolations(otherCluster).map((v) => v.missing),
      ['irsa-trust'],
    );
  });

  test('a missing role, and a pod with no credentials at all, are named; static keys are not ours', () => {
    const found = credentialInvariantViolations(
      facts({ trustPolicies: {}, pods: [pod('irsa'), pod('none', 'app-3'), pod('static-keys', 'app-4')] }),
    );
    assert.deepEqual(
      found.map((v) => [v.pod, v.missing]),
      [
        ['shop/app-1', 'role'],
        ['shop/app-3', 'credentials'],
      ],
    );
  });

  test('a scope limits it to the given service accounts', () => {
    const broken = facts({ associations: [] });
    assert.deepEqual(credentialInvariantViolations(broken, { serviceAccounts: ['shop/other'] }), []);
    assert.equal(credentialInvariantViolations(broken, { serviceAccounts: ['shop/app'] }).length, 1);
  });

  test('a trust scoped by request tags backs a Pod Identity pod only while its association sends session tags', () => {
    const scoped = podIdentityStatement('MigrateIdentityPodIdentity', {
      namespace: 'shop',
      serviceAccount: 'app',
      clusterArns: [CLUSTER.arn],
    });
    const trustPolicies = { [ROLE]: { Statement: [irsaStatement(ACCOUNT, ISSUER, 'shop', 'app'), scoped] } };
    const association = { cluster: 'a', namespace: 'shop', serviceAccount: 'app', roleArn: ROLE };
    assert.deepEqual(credentialInvariantViolations(facts({ trustPolicies, associations: [association] })), []);
    const tagsOff = facts({ trustPolicies, associations: [{ ...association, disableSessionTags: true }] });
    assert.deepEqual(
      credentialInvariantViolations(tagsOff).map((v) => [v.pod, v.missing]),
      [['shop/app-2', 'pod-identity-trust']],
    );
    // An unscoped statement needs no tags.
    assert.deepEqual(credentialInvariantViolations({ ...tagsOff, trustPolicies: facts().trustPolicies }), []);
  });

  test('with a target role, the target must trust the association role, for TagSession too while tags are on', () => {
    const TARGET = 'arn:aws:iam::444455556666:role/data';
    const trusting = (actions: string[]) => ({
      Statement: [{ Effect: 'Allow' as const, Principal: { AWS: ROLE }, Action: actions }],
    });
    const chained = (target: PolicyDocument | undefined, disableSessionTags = false) =>
      facts({
        associations: [
          {
            cluster: 'a',
            namespace: 'shop',
            serviceAccount: 'app',
            roleArn: ROLE,
            targetRoleArn: TARGET,
            ...(disableSessionTags && { disableSessionTags }),
          },
        ],
        trustPolicies: { ...facts().trustPolicies, ...(target && { [TARGET]: target }) },
      });
    assert.deepEqual(credentialInvariantViolations(chained(trusting(['sts:AssumeRole', 'sts:TagSession']))), []);
    const untagged = credentialInvariantViolations(chained(trusting(['sts:AssumeRole'])));
    assert.deepEqual(
      untagged.map((v) => [v.pod, v.missing]),
      [['shop/app-2', 'target-trust']],
    );
    assert.match(describeViolation(untagged[0]!), /target role .*role\/data does not trust .*role\/app/);
    assert.deepEqual(credentialInvariantViolations(chained(trusting(['sts:AssumeRole']), true)), []);
    const byAccount = {
      Statement: [
        {
          Effect: 'Allow' as const,
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      ],
    };
    assert.deepEqual(credentialInvariantViolations(chained(byAccount)), []);
    assert.deepEqual(
      credentialInvariantViolations(chained(undefined)).map((v) => v.missing),
      ['role'],
    );
  });
});

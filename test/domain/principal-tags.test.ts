import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { POD_IDENTITY_SESSION_TAGS, lintPrincipalTags } from '../../src/domain/principal-tags.js';
import type { NamedPolicyDocument } from '../../src/domain/iam.js';
import type { PolicyStatement } from '../../src/domain/types.js';

function policy(source: string, ...statements: PolicyStatement[]): NamedPolicyDocument {
  return { source, document: { Version: '2012-10-17', Statement: statements } };
}

const s3 = (overrides: Partial<PolicyStatement>): PolicyStatement => ({
  Effect: 'Allow',
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::bucket/*',
  ...overrides,
});

describe('POD_IDENTITY_SESSION_TAGS', () => {
  test('are the six tags Pod Identity sets', () => {
    assert.deepEqual([...POD_IDENTITY_SESSION_TAGS].sort(), [
      'eks-cluster-arn',
      'eks-cluster-name',
      'kubernetes-namespace',
      'kubernetes-pod-name',
      'kubernetes-pod-uid',
      'kubernetes-service-account',
    ]);
  });
});

describe('lintPrincipalTags', () => {
  test('accepts every valid key, in condition keys and in variables, in any case', () => {
    const statements = POD_IDENTITY_SESSION_TAGS.map((tag) =>
      s3({
        Resource: `arn:aws:s3:::bucket/\${aws:PrincipalTag/${tag}}/*`,
        Condition: {
          StringEquals: { [`aws:PrincipalTag/${tag}`]: 'x', [`AWS:PRINCIPALTAG/${tag.toUpperCase()}`]: 'y' },
        },
      }),
    );
    assert.deepEqual(lintPrincipalTags([policy('inline:ok', ...statements)]), []);
  });

  test('ignores documents without principal tags and other tag condition keys', () => {
    const statement = s3({
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'a', 'aws:RequestTag/kubernetes-ns': 'b' } },
    });
    assert.deepEqual(lintPrincipalTags([policy('inline:plain', statement)]), []);
  });

  type Case = [string, PolicyStatement, string, string | RegExp];
  const cases: Case[] = [
    [
      'condition key',
      s3({ Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namspace': 'payments' } } }),
      'kubernetes-namspace',
      'kubernetes-namespace',
    ],
    [
      'condition key, lower-case prefix',
      s3({ Condition: { StringLike: { 'aws:principaltag/eks-clustername': 'prod-*' } } }),
      'eks-clustername',
      'eks-cluster-name',
    ],
    [
      'variable in Resource',
      s3({ Resource: ['arn:aws:s3:::bucket/${aws:PrincipalTag/kubernetes-service-acount}/*'] }),
      'kubernetes-service-acount',
      'kubernetes-service-account',
    ],
    [
      'variable in a condition value',
      s3({ Condition: { StringEquals: { 's3:prefix': '${aws:PrincipalTag/pod-name}' } } }),
      'pod-name',
      'kubernetes-pod-name',
    ],
    [
      'variable in NotResource, odd case',
      s3({ Resource: undefined, NotResource: 'arn:aws:s3:::b/${AWS:PrincipalTag/eks-cluster-arns}' }),
      'eks-cluster-arns',
      'eks-cluster-arn',
    ],
    [
      'a tag Pod Identity never sets',
      s3({ Condition: { StringEquals: { 'aws:PrincipalTag/team': 'payments' } } }),
      'team',
      new RegExp(`did you mean (${POD_IDENTITY_SESSION_TAGS.join('|')})\\?`),
    ],
  ];
  for (const [name, statement, key, suggestion] of cases) {
    test(`flags ${name}`, () => {
      const findings = lintPrincipalTags([policy('arn:aws:iam::123456789012:policy/app', statement)]);
      assert.equal(findings.length, 1);
      const [finding] = findings;
      assert.equal(finding!.severity, 'blocking');
      assert.equal(finding!.code, 'principal-tag-typo');
      assert.equal(finding!.cluster, undefined);
      assert.match(finding!.message, /arn:aws:iam::123456789012:policy\/app/);
      assert.ok(finding!.message.includes(`aws:PrincipalTag/${key}`), finding!.message);
      if (typeof suggestion === 'string') {
        assert.ok(finding!.message.includes(`did you mean ${suggestion}?`), finding!.message);
      } else {
        assert.match(finding!.message, suggestion);
      }
    });
  }

  test('one finding per source and key, in order, across documents', () => {
    const typo = s3({
      Resource: 'arn:aws:s3:::b/${aws:PrincipalTag/kubernetes-namspace}',
      Condition: {
        StringEquals: { 'aws:PrincipalTag/kubernetes-namspace': 'a', 'aws:PrincipalTag/Kubernetes-Namspace': 'b' },
        StringLike: { 'aws:PrincipalTag/eks-cluster': 'c' },
      },
    });
    const findings = lintPrincipalTags([policy('inline:a', typo, typo), policy('inline:b', typo)]);
    assert.deepEqual(
      findings.map((f) => [f.message.split(' ')[1], /PrincipalTag\/([^,]+),/.exec(f.message)?.[1]]),
      [
        ['inline:a', 'kubernetes-namspace'],
        ['inline:a', 'eks-cluster'],
        ['inline:b', 'kubernetes-namspace'],
        ['inline:b', 'eks-cluster'],
      ],
    );
  });
});

/*
 * A role session's principal tags are its session tags and the role's own tags; a session
 * tag overrides a role tag with the same key (IAM User Guide, "Pass session tags in AWS
 * STS"). An association with disableSessionTags passes none of the six (EKS User Guide,
 * "Enable or disable session tags").
 */
describe('lintPrincipalTags: role tags and disabled session tags', () => {
  const uses = (key: string) =>
    policy('inline:data', s3({ Condition: { StringEquals: { [`aws:PrincipalTag/${key}`]: 'payments' } } }));
  const codes = (findings: { code: string; severity: string }[]) => findings.map((f) => [f.code, f.severity]);

  test("a key the role's own tags set is not a typo, in any case", () => {
    assert.deepEqual(
      lintPrincipalTags([uses('Team'), uses('cost-center')], { roleTags: { team: 'a', 'Cost-Center': '1' } }),
      [],
    );
    const typo = lintPrincipalTags([uses('teams')], { roleTags: { team: 'a' } });
    assert.deepEqual(codes(typo), [['principal-tag-typo', 'blocking']]);
    assert.match(typo[0]!.message, /which neither Pod Identity nor the role's tags set \(did you mean team\?\)/);
  });

  test('with session tags disabled, any of the six silently denies: blocking, unless a role tag sets it', () => {
    const findings = lintPrincipalTags([uses('kubernetes-namespace'), uses('eks-cluster-arn')], { sessionTags: false });
    assert.deepEqual(codes(findings), [
      ['principal-tag-no-session-tags', 'blocking'],
      ['principal-tag-no-session-tags', 'blocking'],
    ]);
    assert.match(
      findings[0]!.message,
      /inline:data uses aws:PrincipalTag\/kubernetes-namespace, but .*session tags disabled/,
    );
    assert.deepEqual(
      lintPrincipalTags([uses('kubernetes-namespace')], {
        sessionTags: false,
        roleTags: { 'kubernetes-namespace': 'payments' },
      }),
      [],
    );
  });

  test('a role tag that a session tag overrides with another value is a warning; with the same value, nothing', () => {
    const sa = { namespace: 'payments', name: 'reconciler' };
    const other = lintPrincipalTags([uses('kubernetes-namespace')], {
      roleTags: { 'kubernetes-namespace': 'billing' },
      serviceAccount: sa,
    });
    assert.deepEqual(codes(other), [['principal-tag-overridden', 'warning']]);
    assert.match(other[0]!.message, /kubernetes-namespace=billing .* policies see payments instead/);
    assert.deepEqual(
      lintPrincipalTags([uses('kubernetes-namespace')], {
        roleTags: { 'kubernetes-namespace': 'payments' },
        serviceAccount: sa,
      }),
      [],
    );
    // Unused: nothing reads it, nothing changes.
    assert.deepEqual(
      lintPrincipalTags([], { roleTags: { 'kubernetes-namespace': 'billing' }, serviceAccount: sa }),
      [],
    );
  });
});

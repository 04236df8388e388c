import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { associationDifferences, isSameAssociation, reusableAssociation } from '../../src/domain/associations.js';
import type { PodIdentityAssociation } from '../../src/domain/eks.js';

const ROLE = 'arn:aws:iam::111122223333:role/app';
const TARGET = 'arn:aws:iam::444455556666:role/app-data';

/*
 * Two associations with one roleArn are not equivalent: a target role gives pods the target's
 * credentials, and disabled session tags remove the six Pod Identity tags (EKS API Reference,
 * PodIdentityAssociation: targetRoleArn, disableSessionTags).
 */
describe('associationDifferences', () => {
  const cases: [string, Parameters<typeof associationDifferences>[0], string[]][] = [
    ['the same role and nothing else', { roleArn: ROLE }, []],
    ['session tags off as false', { roleArn: ROLE, disableSessionTags: false }, []],
    ['an empty target as none', { roleArn: ROLE, targetRoleArn: '' }, []],
    [
      'another role',
      { roleArn: 'arn:aws:iam::111122223333:role/other' },
      [`role arn:aws:iam::111122223333:role/other, not ${ROLE}`],
    ],
    ['a target role', { roleArn: ROLE, targetRoleArn: TARGET }, [`target role ${TARGET} (pods get its credentials)`]],
    ['session tags disabled', { roleArn: ROLE, disableSessionTags: true }, ['session tags disabled']],
    [
      'both',
      { roleArn: ROLE, targetRoleArn: TARGET, disableSessionTags: true },
      [`target role ${TARGET} (pods get its credentials)`, 'session tags disabled'],
    ],
  ];
  for (const [name, existing, expected] of cases) {
    test(name, () => {
      assert.deepEqual(associationDifferences(existing, { roleArn: ROLE }), expected);
      assert.equal(isSameAssociation(existing, { roleArn: ROLE }), expected.length === 0);
    });
  }

  test('a run that disables session tags wants them disabled', () => {
    const wanted = { roleArn: ROLE, disableSessionTags: true };
    assert.equal(isSameAssociation({ roleArn: ROLE, disableSessionTags: true }, wanted), true);
    assert.deepEqual(associationDifferences({ roleArn: ROLE }, wanted), [
      'session tags enabled (the run disables them)',
    ]);
  });
});

describe('associationDifferences: the session policy', () => {
  const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

  test("an association with a session policy narrows the role's permissions: not the same", () => {
    assert.deepEqual(
      associationDifferences(
        { roleArn: ROLE, disableSessionTags: true, policy: POLICY },
        { roleArn: ROLE, disableSessionTags: true },
      ),
      ["a session policy that narrows the role's permissions for these pods"],
    );
  });

  test('the same policy laid out otherwise is the same; an empty one is none', () => {
    const spaced = JSON.stringify(JSON.parse(POLICY), null, 2);
    assert.equal(isSameAssociation({ roleArn: ROLE, policy: spaced }, { roleArn: ROLE, policy: POLICY }), true);
    assert.equal(isSameAssociation({ roleArn: ROLE, policy: '' }, { roleArn: ROLE }), true);
    assert.deepEqual(associationDifferences({ roleArn: ROLE }, { roleArn: ROLE, policy: POLICY }), [
      'no session policy (the run sets one)',
    ]);
  });
});

describe('reusableAssociation', () => {
  const association = (id: string, overrides: Partial<PodIdentityAssociation> = {}): PodIdentityAssociation => ({
    associationId: id,
    cluster: 'prod-a',
    namespace: 'payments',
    serviceAccount: 'api',
    roleArn: ROLE,
    ...overrides,
  });

  test('only one the same in every field, never an add-on’s', () => {
    const existing = [
      association('a-owned', { ownerArn: 'arn:aws:eks:us-east-1:111122223333:addon/prod-a/x/1' }),
      association('a-target', { targetRoleArn: TARGET }),
      association('a-tagless', { disableSessionTags: true }),
    ];
    assert.equal(reusableAssociation(existing, { roleArn: ROLE }), undefined);
    assert.equal(reusableAssociation([...existing, association('a-same')], { roleArn: ROLE })?.associationId, 'a-same');
    assert.equal(
      reusableAssociation(existing, { roleArn: ROLE, disableSessionTags: true })?.associationId,
      'a-tagless',
    );
  });
});

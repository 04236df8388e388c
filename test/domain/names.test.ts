import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/domain/errors.js';
import {
  formatServiceAccountRef,
  parseClusterList,
  parseRoleArn,
  parseServiceAccountRef,
  validateApprovers,
  associationRoleProblems,
} from '../../src/domain/names.js';

function assertValidationError(fn: () => unknown, pattern: RegExp, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (field !== undefined) assert.equal(err.field, field);
    return true;
  });
}

describe('parseServiceAccountRef', () => {
  const valid: [string, string, string][] = [
    ['payments/api', 'payments', 'api'],
    ['  payments/api  ', 'payments', 'api'],
    ['a/b', 'a', 'b'],
    ['ns-1/sa.with.dots', 'ns-1', 'sa.with.dots'],
    ['0ns/1-sa', '0ns', '1-sa'],
    [`${'n'.repeat(63)}/${'s'.repeat(253)}`, 'n'.repeat(63), 's'.repeat(253)],
  ];
  for (const [text, namespace, name] of valid) {
    test(`accepts ${text.slice(0, 40)}`, () => {
      assert.deepEqual(parseServiceAccountRef(text), { namespace, name });
    });
  }

  const invalid: [string, RegExp][] = [
    ['payments', /must be written <namespace>\/<name>/],
    ['a/b/c', /must be written <namespace>\/<name>/],
    ['', /must be written/],
    ['/api', /namespace ""/],
    ['Payments/api', /namespace "Payments"/],
    ['pay.ments/api', /namespace "pay\.ments"/],
    ['-payments/api', /namespace "-payments"/],
    ['payments-/api', /namespace "payments-"/],
    [`${'n'.repeat(64)}/api`, /namespace "n{64}"/],
    ['payments/', /service account name ""/],
    ['payments/Api', /service account name "Api"/],
    ['payments/api_v2', /service account name "api_v2"/],
    ['payments/.api', /service account name "\.api"/],
    ['payments/api.', /service account name "api\."/],
    ['payments/a..b', /service account name "a\.\.b"/],
    [`payments/${'s'.repeat(254)}`, /service account name "s{254}"/],
  ];
  for (const [text, pattern] of invalid) {
    test(`rejects "${text.slice(0, 40)}"`, () => assertValidationError(() => parseServiceAccountRef(text), pattern));
  }

  test('formats back to <namespace>/<name>', () => {
    assert.equal(formatServiceAccountRef({ namespace: 'payments', name: 'api' }), 'payments/api');
    assert.equal(formatServiceAccountRef(parseServiceAccountRef(' a/b.c ')), 'a/b.c');
  });
});

describe('parseRoleArn', () => {
  const valid: [string, { partition: string; accountId: string; path: string; roleName: string }][] = [
    ['arn:aws:iam::123456789012:role/app', { partition: 'aws', accountId: '123456789012', path: '/', roleName: 'app' }],
    [
      'arn:aws-cn:iam::123456789012:role/a/b/app',
      { partition: 'aws-cn', accountId: '123456789012', path: '/a/b/', roleName: 'app' },
    ],
    [
      'arn:aws-us-gov:iam::000000000000:role/svc/x+=,.@_-y',
      { partition: 'aws-us-gov', accountId: '000000000000', path: '/svc/', roleName: 'x+=,.@_-y' },
    ],
    [
      ` arn:aws:iam::123456789012:role/${'r'.repeat(64)} `,
      { partition: 'aws', accountId: '123456789012', path: '/', roleName: 'r'.repeat(64) },
    ],
  ];
  for (const [arn, parts] of valid) {
    test(`parses ${arn.trim().slice(0, 50)}`, () => assert.deepEqual(parseRoleArn(arn), parts));
  }

  const invalid: [string, RegExp][] = [
    ['', /wrong shape/],
    ['app', /wrong shape/],
    ['arn:aws:iam::12345678901:role/app', /wrong shape/],
    ['arn:aws:iam::1234567890123:role/app', /wrong shape/],
    ['arn:aws:iam::12345678901a:role/app', /wrong shape/],
    ['arn:aws-iso:iam::123456789012:role/app', /wrong shape/],
    ['arn:aws:iam::123456789012:user/app', /wrong shape/],
    ['arn:aws:sts::123456789012:role/app', /wrong shape/],
    ['arn:aws:iam:us-east-1:123456789012:role/app', /wrong shape/],
    ['arn:aws:iam::123456789012:role', /wrong shape/],
    ['arn:aws:iam::123456789012:role/', /role name ""/],
    ['arn:aws:iam::123456789012:role/a/', /role name ""/],
    ['arn:aws:iam::123456789012:role/app name', /role name "app name"/],
    ['arn:aws:iam::123456789012:role/app*', /role name "app\*"/],
    [`arn:aws:iam::123456789012:role/${'r'.repeat(65)}`, /role name "r{65}"/],
    ['arn:aws:iam::123456789012:role//app', /path "\/\/"/],
    ['arn:aws:iam::123456789012:role/a b/app', /path "\/a b\/"/],
    [`arn:aws:iam::123456789012:role/${'p'.repeat(511)}/app`, /path/],
  ];
  for (const [arn, pattern] of invalid) {
    test(`rejects "${arn.slice(0, 50)}"`, () => {
      assertValidationError(() => parseRoleArn(arn), pattern, 'roleArn');
      assertValidationError(
        () => parseRoleArn(arn),
        /is not an IAM role ARN \(expected arn:aws:iam::<12-digit account>/,
      );
    });
  }
});

describe('parseClusterList', () => {
  const valid: [string, string[]][] = [
    ['prod-a', ['prod-a']],
    [' prod-a , prod_b,1c ', ['prod-a', 'prod_b', '1c']],
    ['B,a', ['B', 'a']],
    ['x'.repeat(100), ['x'.repeat(100)]],
  ];
  for (const [text, expected] of valid) {
    test(`parses "${text.slice(0, 40)}" in order`, () => assert.deepEqual(parseClusterList(text), expected));
  }

  const invalid: [string, RegExp][] = [
    ['', /no clusters given/],
    ['   ', /no clusters given/],
    ['a,,b', /empty entry at position 2/],
    ['a,b,', /empty entry at position 3/],
    ['a,b,a', /cluster "a" is listed more than once/],
    ['-a', /cluster name "-a" is not a valid EKS cluster name/],
    ['_a', /cluster name "_a"/],
    ['a.b', /cluster name "a\.b"/],
    ['a b', /cluster name "a b"/],
    ['x'.repeat(101), /cluster name "x{101}"/],
  ];
  for (const [text, pattern] of invalid) {
    test(`rejects "${text.slice(0, 40)}"`, () =>
      assertValidationError(() => parseClusterList(text), pattern, 'clusters'));
  }

  test('accepts names the fleet knows', () => {
    assert.deepEqual(parseClusterList('b,a', ['a', 'b', 'c']), ['b', 'a']);
  });

  test('rejects unknown names, listing them and the known ones', () => {
    assertValidationError(
      () => parseClusterList('a,x,y', ['a', 'b']),
      /^unknown clusters x, y: known clusters are a, b$/,
      'clusters',
    );
    assertValidationError(() => parseClusterList('x', ['a']), /^unknown cluster x: known clusters are a$/);
    assertValidationError(() => parseClusterList('x', []), /known clusters are \(none\)/);
  });
});

describe('validateApprovers', () => {
  const cases: [string[], string[]][] = [
    [[], []],
    [
      ['U1', 'U2'],
      ['U1', 'U2'],
    ],
    [
      [' U1 ', 'U1', 'U2', ' U2'],
      ['U1', 'U2'],
    ],
    [['', '  ', 'U3'], ['U3']],
    [
      ['b', 'a', 'b'],
      ['b', 'a'],
    ],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(validateApprovers(input), expected);
    });
  }
});

/*
 * "The EKS Pod Identity role must be in your EKS cluster's account ..., while the Target IAM
 * Role can be in any AWS account" (EKS User Guide, "Access AWS Resources using EKS Pod
 * Identity Target IAM Roles").
 */
describe('associationRoleProblems', () => {
  const cluster = { partition: 'aws', accountId: '111122223333' };
  test('the association role in the cluster account, a target anywhere: fine', () => {
    assert.deepEqual(associationRoleProblems({ roleArn: 'arn:aws:iam::111122223333:role/app' }, cluster), []);
    assert.deepEqual(
      associationRoleProblems(
        { roleArn: 'arn:aws:iam::111122223333:role/app', targetRoleArn: 'arn:aws:iam::444455556666:role/data' },
        cluster,
      ),
      [],
    );
  });

  test('an association role in another account is refused, naming the target role as the way across', () => {
    const problems = associationRoleProblems({ roleArn: 'arn:aws:iam::444455556666:role/app' }, cluster);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!,
      /in account 444455556666; an association's role must be in the cluster's account 111122223333 \(a role in another account can only be its target role/,
    );
  });

  test('another partition, or a malformed ARN, is refused for either role', () => {
    assert.match(
      associationRoleProblems(
        { roleArn: 'arn:aws:iam::111122223333:role/app', targetRoleArn: 'arn:aws-cn:iam::444455556666:role/data' },
        cluster,
      ).join('\n'),
      /target role is in partition aws-cn, the cluster in aws/,
    );
    assert.match(
      associationRoleProblems({ roleArn: 'arn:aws:iam::111122223333:role/app', targetRoleArn: 'nope' }, cluster).join(
        '\n',
      ),
      /not an IAM role ARN/,
    );
  });
});

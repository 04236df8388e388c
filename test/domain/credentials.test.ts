import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkCallerIdentity,
  podIdentitySessionName,
  credentialPath,
  credentialVariablesReport,
  parseCallerIdentityOutput,
} from '../../src/domain/credentials.js';
import type { CredentialPath } from '../../src/domain/credentials.js';

const STATIC = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
const IRSA = {
  AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/app',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
};
const POD_IDENTITY = {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE:
    '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
};

describe('credentialPath', () => {
  const cases: [string, Record<string, string>, CredentialPath][] = [
    ['nothing', { PATH: '/bin' }, 'none'],
    ['Pod Identity', POD_IDENTITY, 'pod-identity'],
    ['IRSA', IRSA, 'irsa'],
    ['static keys', STATIC, 'static-keys'],
    ['static key id alone', { AWS_ACCESS_KEY_ID: 'AKIA' }, 'static-keys'],
    ['value from a secret (empty in the spec) still counts', { AWS_ACCESS_KEY_ID: '' }, 'static-keys'],
    ['role ARN without token file', { AWS_ROLE_ARN: IRSA.AWS_ROLE_ARN }, 'none'],
    ['token file without role ARN', { AWS_WEB_IDENTITY_TOKEN_FILE: 'x' }, 'none'],
    ['relative (ECS) URI is not Pod Identity', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/x' }, 'none'],
    ['static keys beat web identity', { ...STATIC, ...IRSA }, 'static-keys'],
    ['static keys beat container credentials', { ...STATIC, ...POD_IDENTITY }, 'static-keys'],
    ['web identity beats container credentials', { ...IRSA, ...POD_IDENTITY }, 'irsa'],
    ['all three', { ...POD_IDENTITY, ...IRSA, ...STATIC }, 'static-keys'],
  ];
  for (const [name, env, expected] of cases) {
    test(`${name} -> ${expected}`, () => assert.equal(credentialPath(env), expected));
  }
});

describe('credentialVariablesReport', () => {
  test('lists every set present and flags conflicts', () => {
    assert.deepEqual(credentialVariablesReport({ ...IRSA, ...POD_IDENTITY }), {
      staticKeys: false,
      irsa: true,
      podIdentity: true,
      effective: 'irsa',
      conflicting: true,
    });
    assert.deepEqual(credentialVariablesReport(POD_IDENTITY), {
      staticKeys: false,
      irsa: false,
      podIdentity: true,
      effective: 'pod-identity',
      conflicting: false,
    });
    assert.deepEqual(credentialVariablesReport({}), {
      staticKeys: false,
      irsa: false,
      podIdentity: false,
      effective: 'none',
      conflicting: false,
    });
  });
});

describe('checkCallerIdentity', () => {
  const expected = { roleArn: 'arn:aws:iam::123456789012:role/team/app', cluster: 'prod-a' };
  const sts = (role: string, session: string, account = '123456789012', partition = 'aws'): string =>
    `arn:${partition}:sts::${account}:assumed-role/${role}/${session}`;
  const podSession = 'eks-prod-a-api-7d9f8-abcde-1b2c3d4e-aaaa-bbbb-cccc-1234567890ab';

  const cases: [
    string,
    string,
    'pod-identity' | 'irsa',
    boolean,
    RegExp,
    typeof expected & { eksClusterName?: string },
  ][] = [
    ['Pod Identity session', sts('app', podSession), 'pod-identity', true, /Pod Identity session/, expected],
    ['Pod Identity, role name in other case', sts('APP', podSession), 'pod-identity', true, /Pod Identity/, expected],
    ['Pod Identity, short pod part', sts('app', 'eks-prod-a-x'), 'pod-identity', true, /Pod Identity/, expected],
    [
      'Pod Identity uses the EKS cluster name',
      sts('app', 'eks-real-name-api-1'),
      'pod-identity',
      true,
      /Pod Identity/,
      { ...expected, eksClusterName: 'real-name' },
    ],
    [
      'Pod Identity with the fleet name when EKS name differs',
      sts('app', podSession),
      'pod-identity',
      false,
      /expected eks-real-name-/,
      { ...expected, eksClusterName: 'real-name' },
    ],
    [
      'Pod Identity session of another cluster',
      sts('app', 'eks-prod-b-api-1'),
      'pod-identity',
      false,
      /not a Pod Identity session for cluster prod-a/,
      expected,
    ],
    [
      'session of a cluster whose name is a prefix of this one',
      sts('app', 'eks-prod-api-1'),
      'pod-identity',
      false,
      /not a Pod Identity session/,
      expected,
    ],
    [
      'IRSA session when Pod Identity expected',
      sts('app', 'botocore-session-1'),
      'pod-identity',
      false,
      /not a Pod Identity/,
      expected,
    ],
    ['other role', sts('other', podSession), 'pod-identity', false, /runs as role other, expected app/, expected],
    ['other account', sts('app', podSession, '210987654321'), 'pod-identity', false, /210987654321/, expected],
    ['other partition', sts('app', podSession, '123456789012', 'aws-cn'), 'pod-identity', false, /aws-cn/, expected],
    [
      'IAM user, not a session',
      'arn:aws:iam::123456789012:user/bob',
      'irsa',
      false,
      /not an assumed-role session/,
      expected,
    ],
    ['IRSA botocore session', sts('app', 'botocore-session-1700000000'), 'irsa', true, /IRSA session/, expected],
    ['IRSA JS session', sts('app', 'aws-sdk-js-session-1700000000000'), 'irsa', true, /IRSA session/, expected],
    ['Pod Identity session when IRSA expected', sts('app', podSession), 'irsa', false, /expected IRSA/, expected],
    ['IRSA on another role', sts('other', 'botocore-session-1'), 'irsa', false, /expected app/, expected],
    ['malformed expected role', sts('app', 'x'), 'irsa', false, /not an IAM role ARN/, { ...expected, roleArn: 'app' }],
  ];
  for (const [name, arn, path, ok, message, exp] of cases) {
    test(`${name} -> ${ok}`, () => {
      const result = checkCallerIdentity(arn, exp, path);
      assert.equal(result.ok, ok, result.message);
      assert.match(result.message, message);
    });
  }

  describe('with a target role (role chaining)', () => {
    const chained = { ...expected, targetRoleArn: 'arn:aws:iam::444455556666:role/data/app-data' };
    test('on Pod Identity the pods run as the target role, in its account', () => {
      const result = checkCallerIdentity(sts('app-data', podSession, '444455556666'), chained, 'pod-identity');
      assert.equal(result.ok, true, result.message);
      assert.match(result.message, /target role app-data/);
    });
    test('the first role of the chain is not enough', () => {
      const result = checkCallerIdentity(sts('app', podSession), chained, 'pod-identity');
      assert.equal(result.ok, false);
      assert.match(result.message, /123456789012, expected aws\/444455556666/);
    });
    test('IRSA still runs as the role itself', () => {
      assert.equal(checkCallerIdentity(sts('app', 'botocore-session-1'), chained, 'irsa').ok, true);
      assert.equal(
        checkCallerIdentity(sts('app-data', 'botocore-session-1', '444455556666'), chained, 'irsa').ok,
        false,
      );
    });
  });

  describe('session names cut to 64 characters', () => {
    const uuid = '1b2c3d4e-aaaa-bbbb-cccc-1234567890ab';
    const longCluster = 'payments-production-eu-west-1-blue';
    const long = { ...expected, cluster: longCluster };

    test('a cut that kept the UUID and shortened the cluster name is still this cluster', () => {
      const session = `eks-${longCluster.slice(0, 64 - 4 - 1 - uuid.length)}-${uuid}`;
      assert.equal(session.length, 64);
      const result = checkCallerIdentity(sts('app', session), long, 'pod-identity');
      assert.equal(result.ok, true, result.message);
    });

    test('a plain cut at 64 inside the pod name keeps the whole prefix', () => {
      const session = `eks-${longCluster}-reconciler-7d9f8c6b5-x2x4z-${uuid}`.slice(0, 64);
      assert.equal(checkCallerIdentity(sts('app', session), long, 'pod-identity').ok, true);
    });

    test('the EKS name is the one that counts', () => {
      const session = `eks-${longCluster.slice(0, 64 - 4 - 1 - uuid.length)}-${uuid}`;
      const fleetNamed = { ...expected, cluster: 'pay-prod', eksClusterName: longCluster };
      assert.equal(checkCallerIdentity(sts('app', session), fleetNamed, 'pod-identity').ok, true);
    });

    test('a 64-character session of another cluster is not this one', () => {
      const other = `eks-payments-staging-eu-west-1-${uuid}`.padEnd(64, 'x').slice(0, 64);
      const shortened = `eks-${'payments-staging-eu-west-1-blue'.slice(0, 64 - 4 - 1 - uuid.length)}-${uuid}`;
      for (const session of [other, shortened]) {
        assert.equal(session.length, 64);
        assert.equal(checkCallerIdentity(sts('app', session), long, 'pod-identity').ok, false, session);
      }
    });

    test('EKS keeps 10 characters of the cluster name: a real session of eksworkshop-eksctl', () => {
      // As `aws sts get-caller-identity` shows it in a pod (aws-samples' EKS workshops).
      const real = 'eks-eksworksho-app1-v1-5b-de387d83-d53c-4022-bebe-d6e35a034e4b';
      const workshop = { ...expected, cluster: 'eksworkshop-eksctl' };
      assert.equal(checkCallerIdentity(sts('app', real), workshop, 'pod-identity').ok, true);
      assert.equal(
        podIdentitySessionName('eksworkshop-eksctl', 'app1-v1-5b7c9d-xk2p4', 'de387d83-d53c-4022-bebe-d6e35a034e4b'),
        real,
      );
    });

    test('a prefix shorter than the 10 characters EKS keeps is not this cluster', () => {
      const session = `eks-${longCluster.slice(0, 9)}-${uuid}`;
      assert.ok(session.length < 64);
      assert.equal(checkCallerIdentity(sts('app', session), long, 'pod-identity').ok, false);
      const kept = podIdentitySessionName(longCluster, 'reconciler-7d9f8c6b5-x2x4z', uuid);
      assert.equal(kept, `eks-payments-p-reconciler-${uuid}`);
      assert.equal(checkCallerIdentity(sts('app', kept), long, 'pod-identity').ok, true);
    });
  });

  test('tolerates a session name STS truncated inside the prefix', () => {
    const longCluster = 'c'.repeat(70);
    const session = `eks-${longCluster}`.slice(0, 64);
    assert.equal(
      checkCallerIdentity(sts('app', session), { ...expected, cluster: longCluster }, 'pod-identity').ok,
      true,
    );
    const short = session.slice(0, 40);
    assert.equal(
      checkCallerIdentity(sts('app', short), { ...expected, cluster: longCluster }, 'pod-identity').ok,
      false,
    );
  });
});

describe('parseCallerIdentityOutput', () => {
  const arn = 'arn:aws:sts::123456789012:assumed-role/app/eks-prod-a-api-1';
  const json = JSON.stringify({ UserId: 'AROAEXAMPLE:eks-prod-a-api-1', Account: '123456789012', Arn: arn }, null, 4);
  const full = { arn, account: '123456789012', userId: 'AROAEXAMPLE:eks-prod-a-api-1' };

  const cases: [string, string, ReturnType<typeof parseCallerIdentityOutput>][] = [
    ['pretty JSON', json, full],
    ['one-line JSON', JSON.stringify({ Arn: arn }), { arn }],
    ['noise around JSON', `Defaulted container "app"\n${json}\nsome trailing {noise}\n`, full],
    ['noise with braces before', `{not json\n${json}`, full],
    ['text output', `AROAEXAMPLE:eks-prod-a-api-1\t123456789012\t${arn}\n`, full],
    ['an ARN in other text', `identity: ${arn}`, { arn }],
    ['JSON without Arn', '{"Account":"123456789012"}', undefined],
    ['an error', 'An error occurred (ExpiredToken) when calling the GetCallerIdentity operation', undefined],
    ['empty', '', undefined],
  ];
  for (const [name, stdout, expected] of cases) {
    test(name, () => assert.deepEqual(parseCallerIdentityOutput(stdout), expected));
  }
});

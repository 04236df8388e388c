import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEksToken } from '../../../src/adapters/aws/eks-token.js';

const NOW = new Date('2024-01-02T03:04:05Z');
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SESSION_TOKEN = 'FQoGZXIvYXdzEXAMPLETOKEN';

/*
 * Known vectors, made once by the AWS CLI's own code (awscli 1.46.3, botocore 1.43.62, in a
 * throwaway venv): `awscli.customizations.eks.get_token.STSClientFactory(session)
 * .get_sts_client(region_name='eu-west-1')`, then `TokenGenerator(sts).get_token('prod-a')`,
 * with `session.set_credentials(<CREDENTIALS above>[, SESSION_TOKEN])` and
 * `botocore.auth.get_current_datetime` patched to return 2024-01-02T03:04:05 (UTC).
 * That is exactly what `aws eks get-token --cluster-name prod-a --region eu-west-1` runs.
 */
const AWSCLI_TOKEN =
  'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjQwMTAyJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNDAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9MzJmZWY0NzY4NTA4ODNjZmEwZGI1YmE3Y2YzZmE1NTYwZGM2ZjhiOWRkMWY2MTE5ZjRkYjM5Mjc2Mjg5ODZiOA';
const AWSCLI_SIGNATURE = '32fef476850883cfa0db5ba7cf3fa5560dc6f8b9dd1f6119f4db3927628986b8';
const AWSCLI_SESSION_SIGNATURE = '223c28cca8a5ee337551fe340da591f7698ce84539ffdbbc20d2716a4c8f7729';

function decode(token: string): URL {
  assert.ok(token.startsWith('k8s-aws-v1.'), token);
  const payload = token.slice('k8s-aws-v1.'.length);
  assert.doesNotMatch(payload, /[=+/]/, 'base64url without padding');
  return new URL(Buffer.from(payload, 'base64url').toString('utf8'));
}

describe('createEksToken', () => {
  test('is a presigned STS GetCallerIdentity URL bound to the cluster name', async () => {
    const { token } = await createEksToken({
      clusterName: 'prod-a',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    const url = decode(token);
    assert.equal(url.origin, 'https://sts.eu-west-1.amazonaws.com');
    assert.equal(url.pathname, '/');
    const query = Object.fromEntries(url.searchParams);
    assert.equal(query.Action, 'GetCallerIdentity');
    assert.equal(query.Version, '2011-06-15');
    assert.equal(query['X-Amz-Algorithm'], 'AWS4-HMAC-SHA256');
    assert.equal(query['X-Amz-Credential'], 'AKIDEXAMPLE/20240102/eu-west-1/sts/aws4_request');
    assert.equal(query['X-Amz-Date'], '20240102T030405Z');
    assert.equal(query['X-Amz-Expires'], '60');
    assert.deepEqual(query['X-Amz-SignedHeaders']?.split(';'), ['host', 'x-k8s-aws-id']);
    assert.equal(query['X-Amz-Security-Token'], undefined);
    assert.equal(query['X-Amz-Signature'], AWSCLI_SIGNATURE);
  });

  test('matches the AWS CLI token byte for byte', async () => {
    const { token } = await createEksToken({
      clusterName: 'prod-a',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    assert.equal(token, AWSCLI_TOKEN);
  });

  test('temporary credentials put the session token in the signed query', async () => {
    const { token } = await createEksToken({
      clusterName: 'prod-a',
      region: 'eu-west-1',
      credentials: () => Promise.resolve({ ...CREDENTIALS, sessionToken: SESSION_TOKEN }),
      now: NOW,
    });
    const query = decode(token).searchParams;
    assert.equal(query.get('X-Amz-Security-Token'), SESSION_TOKEN);
    assert.equal(query.get('X-Amz-Signature'), AWSCLI_SESSION_SIGNATURE);
  });

  test('the signature covers the cluster name and region', async () => {
    const other = await createEksToken({
      clusterName: 'prod-b',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    assert.notEqual(decode(other.token).searchParams.get('X-Amz-Signature'), AWSCLI_SIGNATURE);
    const elsewhere = await createEksToken({
      clusterName: 'prod-a',
      region: 'us-east-2',
      credentials: CREDENTIALS,
      now: NOW,
    });
    const url = decode(elsewhere.token);
    assert.equal(url.hostname, 'sts.us-east-2.amazonaws.com');
    assert.equal(url.searchParams.get('X-Amz-Credential'), 'AKIDEXAMPLE/20240102/us-east-2/sts/aws4_request');
  });

  test('expires 14 minutes after it was made', async () => {
    const { expiresAt } = await createEksToken({
      clusterName: 'prod-a',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    assert.equal(expiresAt.toISOString(), '2024-01-02T03:18:05.000Z');
  });

  test('expires with the credentials that signed it, when they expire first', async () => {
    const { expiresAt } = await createEksToken({
      clusterName: 'prod-a',
      region: 'eu-west-1',
      credentials: () =>
        Promise.resolve({ ...CREDENTIALS, sessionToken: SESSION_TOKEN, expiration: new Date('2024-01-02T03:09:05Z') }),
      now: NOW,
    });
    assert.equal(expiresAt.toISOString(), '2024-01-02T03:09:05.000Z');
  });

  test('credentials that outlive the token do not extend it', async () => {
    const { expiresAt } = await createEksToken({
      clusterName: 'prod-a',
      region: 'eu-west-1',
      credentials: { ...CREDENTIALS, sessionToken: SESSION_TOKEN, expiration: new Date('2024-01-02T04:04:05Z') },
      now: NOW,
    });
    assert.equal(expiresAt.toISOString(), '2024-01-02T03:18:05.000Z');
  });

  test('China and GovCloud presign for their own partition’s STS host', async () => {
    const china = await createEksToken({
      clusterName: 'prod-a',
      region: 'cn-north-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    const chinaUrl = decode(china.token);
    assert.equal(chinaUrl.origin, 'https://sts.cn-north-1.amazonaws.com.cn');
    assert.equal(chinaUrl.searchParams.get('X-Amz-Credential'), 'AKIDEXAMPLE/20240102/cn-north-1/sts/aws4_request');
    const gov = await createEksToken({
      clusterName: 'prod-a',
      region: 'us-gov-west-1',
      credentials: CREDENTIALS,
      now: NOW,
    });
    assert.equal(decode(gov.token).origin, 'https://sts.us-gov-west-1.amazonaws.com');
  });
});

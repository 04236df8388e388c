import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assumeRoleCredentials } from '../../../src/adapters/aws/assume-role-credentials.js';

const ROLE = 'arn:aws:iam::111122223333:role/migrator';

function setup(nowMs: { value: number }) {
  const sts = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(sts);
  let issued = 0;
  mock.on(AssumeRoleCommand).callsFake(() => {
    issued += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${issued}`,
        SecretAccessKey: `secret-${issued}`,
        SessionToken: `token-${issued}`,
        Expiration: new Date(nowMs.value + 60 * 60_000),
      },
    };
  });
  return { sts, mock };
}

describe('assumeRoleCredentials', () => {
  test('calls AssumeRole with the role, external id and a session name', async () => {
    const clock = { value: 1_700_000_000_000 };
    const { sts, mock } = setup(clock);
    const provider = assumeRoleCredentials(sts, { roleArn: ROLE, externalId: 'ext-1', now: () => clock.value });
    const credentials = await provider();
    assert.deepEqual(
      mock.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input),
      [
        {
          RoleArn: ROLE,
          RoleSessionName: 'migrate-identity-1700000000000',
          DurationSeconds: 3600,
          ExternalId: 'ext-1',
        },
      ],
    );
    assert.deepEqual(
      { ...credentials, expiration: credentials.expiration?.getTime() },
      {
        accessKeyId: 'ASIA1',
        secretAccessKey: 'secret-1',
        sessionToken: 'token-1',
        expiration: clock.value + 60 * 60_000,
      },
    );
  });

  test('caches until shortly before expiry, then refreshes', async () => {
    const clock = { value: 1_700_000_000_000 };
    const { sts, mock } = setup(clock);
    const provider = assumeRoleCredentials(sts, { roleArn: ROLE, now: () => clock.value });
    assert.equal((await provider()).accessKeyId, 'ASIA1');
    clock.value += 54 * 60_000;
    assert.equal((await provider()).accessKeyId, 'ASIA1');
    clock.value += 2 * 60_000;
    assert.equal((await provider()).accessKeyId, 'ASIA2');
    assert.equal(mock.commandCalls(AssumeRoleCommand).length, 2);
    const [, second] = mock.commandCalls(AssumeRoleCommand);
    assert.equal(second?.args[0].input.ExternalId, undefined);
  });

  test('concurrent callers share one AssumeRole call', async () => {
    const clock = { value: 1_700_000_000_000 };
    const { sts, mock } = setup(clock);
    const provider = assumeRoleCredentials(sts, { roleArn: ROLE, now: () => clock.value });
    const all = await Promise.all([provider(), provider(), provider()]);
    assert.deepEqual(
      all.map((c) => c.accessKeyId),
      ['ASIA1', 'ASIA1', 'ASIA1'],
    );
    assert.equal(mock.commandCalls(AssumeRoleCommand).length, 1);
  });

  test('a failed AssumeRole is retried on the next call', async () => {
    const clock = { value: 1_700_000_000_000 };
    const { sts, mock } = setup(clock);
    mock
      .on(AssumeRoleCommand)
      .rejectsOnce(new Error('AccessDenied'))
      .resolves({
        Credentials: {
          AccessKeyId: 'ASIA-after',
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(clock.value + 3_600_000),
        },
      });
    const provider = assumeRoleCredentials(sts, { roleArn: ROLE, now: () => clock.value });
    await assert.rejects(provider(), /AccessDenied/);
    assert.equal((await provider()).accessKeyId, 'ASIA-after');
    assert.equal(mock.commandCalls(AssumeRoleCommand).length, 2);
  });
});

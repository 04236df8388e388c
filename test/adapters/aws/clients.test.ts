import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAwsClients, type AwsClients } from '../../../src/adapters/aws/clients.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

const BASE = { accessKeyId: 'AKIDBASE', secretAccessKey: 'base-secret' };
const baseCredentials = () => Promise.resolve(BASE);

function destroy(clients: AwsClients) {
  for (const client of [clients.eks, clients.iam, clients.sts]) client.destroy();
}

describe('createAwsClients', () => {
  test('configures region, adaptive retry, attempts and endpoint on every client', async () => {
    const clients = createAwsClients({
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:4566',
      maxAttempts: 3,
      baseCredentials,
    });
    for (const client of [clients.eks, clients.iam, clients.sts]) {
      assert.equal(await client.config.region(), 'eu-west-1');
      const strategy = await client.config.retryStrategy();
      assert.equal('mode' in strategy ? strategy.mode : undefined, 'adaptive');
      assert.equal(await client.config.maxAttempts(), 3);
      const endpoint = await client.config.endpoint?.();
      assert.deepEqual([endpoint?.hostname, endpoint?.port], ['127.0.0.1', 4566]);
      assert.deepEqual(await client.config.credentials(), BASE);
    }
    assert.deepEqual(await clients.credentials(), BASE);
    destroy(clients);
  });

  test('five attempts by default', async () => {
    const clients = createAwsClients({ region: 'eu-west-1', baseCredentials });
    assert.equal(await clients.eks.config.maxAttempts(), 5);
    destroy(clients);
  });

  test('without a base, signs with the SDK default chain that the clients share', () => {
    const clients = createAwsClients({ region: 'eu-west-1' });
    assert.equal(clients.credentials, clients.sts.config.credentials);
    destroy(clients);
  });

  describe('with assumeRoleArn, against moto STS', () => {
    let moto: MotoServer;
    before(async () => {
      moto = await startMoto();
    });
    after(async () => {
      await moto?.stop();
    });

    test('every client signs with the assumed role', async () => {
      const clients = createAwsClients({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        assumeRoleArn: 'arn:aws:iam::123456789012:role/migrator',
        externalId: 'ext-1',
        baseCredentials,
      });
      const assumed = await clients.credentials();
      assert.notEqual(assumed.accessKeyId, BASE.accessKeyId);
      assert.ok(assumed.sessionToken);
      assert.ok(assumed.expiration && assumed.expiration.getTime() > Date.now());
      for (const client of [clients.eks, clients.iam, clients.sts]) {
        assert.equal((await client.config.credentials()).accessKeyId, assumed.accessKeyId);
      }
      const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
      assert.match(identity.Arn ?? '', /^arn:aws:sts::123456789012:assumed-role\/migrator\/migrate-identity-\d+$/);
      destroy(clients);
    });
  });
});

import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { NodeHttpHandlerOptions } from '@smithy/types';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAwsClients, type AwsClients } from '../../../src/adapters/aws/clients.js';
import { createEksAdapter } from '../../../src/adapters/aws/eks.js';
import { createIamAdapter } from '../../../src/adapters/aws/iam.js';
import { isPortError } from '../../../src/ports/errors.js';
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

  test('one attempt by default: the activity retry policy is the only retry layer', async () => {
    const clients = createAwsClients({ region: 'eu-west-1', baseCredentials });
    for (const client of [clients.eks, clients.iam, clients.sts]) {
      assert.equal(await client.config.maxAttempts(), 1);
    }
    destroy(clients);
  });

  describe('against a server that never answers', () => {
    let requests = 0;
    const server = createServer(() => {
      requests++; // and never answer
    });
    let endpoint = '';
    before(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    test('every client has a connection and a request deadline that throws', { timeout: 10_000 }, async () => {
      const clients = createAwsClients({ region: 'eu-west-1', endpoint, requestTimeoutMs: 200, baseCredentials });
      // The handler resolves its settings on the first call.
      await Promise.allSettled([
        clients.eks.send(new DescribeClusterCommand({ name: 'prod-a' })),
        clients.iam.send(new GetRoleCommand({ RoleName: 'app' })),
        clients.sts.send(new GetCallerIdentityCommand({})),
      ]);
      for (const client of [clients.eks, clients.iam, clients.sts]) {
        const handler = client.config.requestHandler as unknown as { httpHandlerConfigs(): NodeHttpHandlerOptions };
        const { connectionTimeout, requestTimeout, throwOnRequestTimeout } = handler.httpHandlerConfigs();
        assert.deepEqual(
          { connectionTimeout, requestTimeout, throwOnRequestTimeout },
          { connectionTimeout: 5_000, requestTimeout: 200, throwOnRequestTimeout: true },
        );
      }
      destroy(clients);
    });

    test('a hung call ends at the deadline, once, as a retryable timeout', { timeout: 10_000 }, async () => {
      const clients = createAwsClients({ region: 'eu-west-1', endpoint, requestTimeoutMs: 300, baseCredentials });
      const eks = createEksAdapter(() => ({ client: clients.eks, eksClusterName: 'prod-a' }));
      const iam = createIamAdapter(clients.iam);
      for (const call of [() => eks.describeCluster('prod-a'), () => iam.getRole('app')]) {
        const before = requests;
        const started = Date.now();
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(isPortError(err, 'timeout'), String(err));
          assert.equal(err.retryable, true);
          return true;
        });
        assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
        assert.equal(requests - before, 1, 'one attempt, no SDK retry');
      }
      destroy(clients);
    });
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

import { DescribePodIdentityAssociationCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEksAdapter } from '../../../src/adapters/aws/eks.js';
import { isPortError } from '../../../src/ports/errors.js';
import { createSandboxFleet } from '../../../src/sandbox/index.js';
import { manualClock, reconcilerAssociation } from '../../support/sandbox-fixtures.js';

test('getAssociationTimes: DescribePodIdentityAssociation by the EKS name, times as ISO 8601; gone is not-found', async () => {
  const client = new EKSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(client);
  const eks = createEksAdapter((cluster) => ({ client, eksClusterName: `${cluster}-eks` }));
  mock.on(DescribePodIdentityAssociationCommand).resolves({
    association: {
      associationId: 'a-1',
      clusterName: 'prod-a-eks',
      namespace: 'payments',
      serviceAccount: 'reconciler',
      roleArn: 'arn:aws:iam::111122223333:role/r',
      createdAt: new Date('2026-01-02T03:04:05.000Z'),
      modifiedAt: new Date('2026-01-03T03:04:05.000Z'),
    },
  });
  assert.deepEqual(await eks.getAssociationTimes('prod-a', 'a-1'), {
    createdAt: '2026-01-02T03:04:05.000Z',
    modifiedAt: '2026-01-03T03:04:05.000Z',
  });
  assert.deepEqual(
    mock.commandCalls(DescribePodIdentityAssociationCommand).map((c) => c.args[0].input),
    [{ clusterName: 'prod-a-eks', associationId: 'a-1' }],
  );
  mock
    .on(DescribePodIdentityAssociationCommand)
    .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 404 } }));
  await assert.rejects(eks.getAssociationTimes('prod-a', 'a-2'), (err) => isPortError(err, 'not-found'));
});

test('getAssociationTimes in the sandbox: when the association was created', async () => {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0 });
  const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
  assert.deepEqual(await fleet.eks.getAssociationTimes('sandbox-a', created.associationId), { createdAt: clock.iso() });
  await assert.rejects(fleet.eks.getAssociationTimes('sandbox-a', 'a-unknown'), (err) => isPortError(err, 'not-found'));
});

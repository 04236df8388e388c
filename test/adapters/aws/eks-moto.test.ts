import {
  CreateClusterCommand,
  CreateFargateProfileCommand,
  CreateNodegroupCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEksAdapter } from '../../../src/adapters/aws/eks.js';
import type { EksPort } from '../../../src/ports/eks.js';
import { isPortError } from '../../../src/ports/errors.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

/*
 * moto 5.2 implements clusters and Fargate profiles, but not add-ons or pod identity
 * associations (it answers those with an HTML 404): those paths are covered by eks.test.ts.
 */
describe('EKS adapter against moto', () => {
  let moto: MotoServer;
  let client: EKSClient;
  let eks: EksPort;

  before(async () => {
    moto = await startMoto();
    client = new EKSClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    eks = createEksAdapter((cluster) => ({ client, eksClusterName: `${cluster}-eks` }));
    await client.send(
      new CreateClusterCommand({
        name: 'prod-a-eks',
        version: '1.30',
        roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
        resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
      }),
    );
    for (const [name, selectors] of [
      ['batch', [{ namespace: 'batch', labels: { compute: 'fargate' } }]],
      ['jobs', [{ namespace: 'jobs' }, { namespace: 'cron' }]],
    ] as const) {
      await client.send(
        new CreateFargateProfileCommand({
          clusterName: 'prod-a-eks',
          fargateProfileName: name,
          podExecutionRoleArn: 'arn:aws:iam::123456789012:role/fargate-pods',
          selectors: selectors.map((selector) => ({ ...selector })),
        }),
      );
    }
  });

  after(async () => {
    client?.destroy();
    await moto?.stop();
  });

  test('describeCluster maps what DescribeCluster returns', async () => {
    const info = await eks.describeCluster('prod-a');
    assert.equal(info.name, 'prod-a-eks');
    assert.equal(info.arn, 'arn:aws:eks:us-east-1:123456789012:cluster/prod-a-eks');
    assert.equal(info.status, 'ACTIVE');
    assert.equal(info.version, '1.30');
    assert.match(info.platformVersion, /^eks\.\d+$/);
    assert.match(info.oidcIssuer ?? '', /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/\w+$/);
    assert.equal(info.autoMode, false);
    assert.match(info.endpoint ?? '', /^https:\/\//);
    assert.ok((info.certificateAuthority ?? '').length > 0);
  });

  test('a missing cluster is not-found', async () => {
    await assert.rejects(eks.describeCluster('nowhere'), (err) => isPortError(err, 'not-found'));
  });

  test('listFargateProfiles lists and describes every profile', async () => {
    const profiles = await eks.listFargateProfiles('prod-a');
    assert.deepEqual(
      [...profiles].sort((a, b) => a.name.localeCompare(b.name)),
      [
        { name: 'batch', selectors: [{ namespace: 'batch', labels: { compute: 'fargate' } }] },
        { name: 'jobs', selectors: [{ namespace: 'jobs' }, { namespace: 'cron' }] },
      ],
    );
  });

  test('a cluster without Fargate profiles has none', async () => {
    await client.send(
      new CreateClusterCommand({
        name: 'prod-b-eks',
        roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
        resourcesVpcConfig: { subnetIds: ['subnet-1'] },
      }),
    );
    assert.deepEqual(await eks.listFargateProfiles('prod-b'), []);
  });

  test('listNodegroups lists and describes every managed node group, with its node role', async () => {
    await client.send(
      new CreateClusterCommand({
        name: 'prod-ng-eks',
        roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
        resourcesVpcConfig: { subnetIds: ['subnet-1'] },
      }),
    );
    assert.deepEqual(await eks.listNodegroups('prod-ng'), []);
    for (const [name, nodeRole] of [
      ['general', 'arn:aws:iam::123456789012:role/eks-nodes'],
      ['gpu', 'arn:aws:iam::123456789012:role/eks-gpu-nodes'],
    ]) {
      await client.send(
        new CreateNodegroupCommand({
          clusterName: 'prod-ng-eks',
          nodegroupName: name,
          nodeRole,
          subnets: ['subnet-1'],
        }),
      );
    }
    const groups = await eks.listNodegroups('prod-ng');
    assert.deepEqual(
      [...groups].sort((a, b) => a.name.localeCompare(b.name)).map((g) => [g.name, g.nodeRoleArn]),
      [
        ['general', 'arn:aws:iam::123456789012:role/eks-nodes'],
        ['gpu', 'arn:aws:iam::123456789012:role/eks-gpu-nodes'],
      ],
    );
    // moto answers ListNodegroups of an unknown cluster with an HTML 404; the sandbox contract pins not-found.
  });

  test('describeCluster reports whether the API endpoint is public', async () => {
    await client.send(
      new CreateClusterCommand({
        name: 'prod-private-eks',
        roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
        resourcesVpcConfig: { subnetIds: ['subnet-1'], endpointPublicAccess: false, endpointPrivateAccess: true },
      }),
    );
    const info = await eks.describeCluster('prod-private');
    assert.equal(info.endpointPublicAccess, false);
  });
});

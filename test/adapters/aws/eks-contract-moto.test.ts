import { CreateClusterCommand, CreateNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { createEksAdapter } from '../../../src/adapters/aws/eks.js';
import type { EksFixtureDriver } from '../../contract/eks.contract.js';
import { runEksContract } from '../../contract/eks.contract.js';
import { startMoto } from '../../support/moto.js';

/**
 * The EKS contract the sandbox passes (test/sandbox/contract.test.ts), here against the real
 * adapter on moto, as far as moto answers: clusters and node groups. moto 5.2 has no Pod
 * Identity association routes and answers ListNodegroups of an unknown cluster with an HTML
 * 404, so those cases hold the sandbox alone (the scope below says which).
 */
const ACCOUNT = '123456789012';

function sdkDriver(client: EKSClient): EksFixtureDriver {
  return {
    async createCluster(name) {
      await client.send(
        new CreateClusterCommand({
          name,
          version: '1.30',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-cluster`,
          resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
        }),
      );
      return name;
    },
    // moto's EKS does not check that a node role exists: the ARN is enough.
    createRole: (name) => Promise.resolve(`arn:aws:iam::${ACCOUNT}:role/${name}`),
    async createNodegroup(cluster, name, nodeRoleArn) {
      await client.send(
        new CreateNodegroupCommand({
          clusterName: cluster,
          nodegroupName: name,
          nodeRole: nodeRoleArn,
          subnets: ['subnet-1'],
        }),
      );
    },
  };
}

runEksContract(
  'EKS adapter on moto',
  async () => {
    const moto = await startMoto();
    const client = new EKSClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    return {
      port: createEksAdapter((cluster) => ({ client, eksClusterName: cluster })),
      driver: sdkDriver(client),
      async cleanup() {
        client.destroy();
        await moto.stop();
      },
    };
  },
  { associations: false, nodegroupsOfUnknownCluster: false, listSettleMs: 0 },
);

import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { createIamAdapter } from '../../../src/adapters/aws/iam.js';
import type { IamFixtureDriver } from '../../contract/iam.contract.js';
import { runIamContract } from '../../contract/iam.contract.js';
import { startMoto } from '../../support/moto.js';

/**
 * The same IAM contract the sandbox passes (test/sandbox/contract.test.ts), here against
 * the real adapter on moto: a disagreement means the sandbox has drifted from AWS's API.
 */
function sdkDriver(client: IAMClient): IamFixtureDriver {
  return {
    async createRole(name, trustPolicy) {
      const { Role: role } = await client.send(
        new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trustPolicy) }),
      );
      if (role?.Arn === undefined) throw new Error(`CreateRole ${name}: no ARN in the response`);
      return role.Arn;
    },
    async putInlinePolicy(roleName, policyName, document) {
      await client.send(
        new PutRolePolicyCommand({
          RoleName: roleName,
          PolicyName: policyName,
          PolicyDocument: JSON.stringify(document),
        }),
      );
    },
    async attachManagedPolicy(roleName, policyName, document) {
      const { Policy: policy } = await client.send(
        new CreatePolicyCommand({ PolicyName: policyName, PolicyDocument: JSON.stringify(document) }),
      );
      if (policy?.Arn === undefined) throw new Error(`CreatePolicy ${policyName}: no ARN in the response`);
      await client.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policy.Arn }));
      return policy.Arn;
    },
    async setPermissionsBoundary(roleName, policyName, document) {
      const { Policy: policy } = await client.send(
        new CreatePolicyCommand({ PolicyName: policyName, PolicyDocument: JSON.stringify(document) }),
      );
      if (policy?.Arn === undefined) throw new Error(`CreatePolicy ${policyName}: no ARN in the response`);
      await client.send(new PutRolePermissionsBoundaryCommand({ RoleName: roleName, PermissionsBoundary: policy.Arn }));
      return policy.Arn;
    },
    async tagRole(roleName, tags) {
      await client.send(
        new TagRoleCommand({ RoleName: roleName, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
      );
    },
    async createOidcProvider(issuerUrl) {
      const { OpenIDConnectProviderArn: arn } = await client.send(
        new CreateOpenIDConnectProviderCommand({ Url: issuerUrl, ClientIDList: ['sts.amazonaws.com'] }),
      );
      if (arn === undefined) throw new Error(`CreateOpenIDConnectProvider ${issuerUrl}: no ARN in the response`);
      return arn;
    },
  };
}

runIamContract('IAM adapter on moto', async () => {
  const moto = await startMoto();
  const client = new IAMClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  return {
    port: createIamAdapter(client),
    driver: sdkDriver(client),
    async cleanup() {
      client.destroy();
      await moto.stop();
    },
  };
});

import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createIamAdapter } from '../../../src/adapters/aws/iam.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/domain/types.js';
import type { IamPort } from '../../../src/ports/iam.js';
import { isPortError } from '../../../src/ports/errors.js';
import { startMoto, type MotoServer } from '../../support/moto.js';

const ACCOUNT = '123456789012'; // moto's default account
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

const irsaStatement: PolicyStatement = {
  Effect: 'Allow',
  Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: {
    StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:shop:orders', [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
  },
};
const podIdentityStatement: PolicyStatement = {
  Sid: 'AllowEksAuthToAssumeRoleForPodIdentity',
  Effect: 'Allow',
  Principal: { Service: 'pods.eks.amazonaws.com' },
  Action: ['sts:AssumeRole', 'sts:TagSession'],
};
const irsaTrust: PolicyDocument = { Version: '2012-10-17', Statement: [irsaStatement] };
const inlinePolicy: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::orders/*' }],
};
const managedV1: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }],
};
const managedV2: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'dynamodb:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalTag/kubernetes-namespace': 'shop' } },
    },
  ],
};

describe('IAM adapter against moto', () => {
  let moto: MotoServer;
  let client: IAMClient;
  let iam: IamPort;
  let managedArn: string;

  before(async () => {
    moto = await startMoto();
    client = new IAMClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    iam = createIamAdapter(client);
    await client.send(
      new CreateRoleCommand({
        RoleName: 'orders',
        Path: '/team/',
        AssumeRolePolicyDocument: JSON.stringify(irsaTrust),
      }),
    );
    await client.send(
      new PutRolePolicyCommand({
        RoleName: 'orders',
        PolicyName: 's3-read',
        PolicyDocument: JSON.stringify(inlinePolicy),
      }),
    );
    const { Policy: policy } = await client.send(
      new CreatePolicyCommand({ PolicyName: 'orders-db', PolicyDocument: JSON.stringify(managedV1) }),
    );
    managedArn = policy!.Arn!;
    await client.send(
      new CreatePolicyVersionCommand({
        PolicyArn: managedArn,
        PolicyDocument: JSON.stringify(managedV2),
        SetAsDefault: true,
      }),
    );
    await client.send(new AttachRolePolicyCommand({ RoleName: 'orders', PolicyArn: managedArn }));
  });

  after(async () => {
    client?.destroy();
    await moto?.stop();
  });

  test('getRole reads the role and its trust policy', async () => {
    const role = await iam.getRole('orders');
    assert.deepEqual(role, {
      arn: `arn:aws:iam::${ACCOUNT}:role/team/orders`,
      name: 'orders',
      accountId: ACCOUNT,
      trustPolicy: irsaTrust,
    });
  });

  test('updateTrustPolicy writes a document that getRole reads back unchanged', async () => {
    const both: PolicyDocument = { Version: '2012-10-17', Statement: [irsaStatement, podIdentityStatement] };
    await iam.updateTrustPolicy('orders', both);
    assert.deepEqual((await iam.getRole('orders')).trustPolicy, both);
  });

  test('listRolePolicyDocuments returns the inline policy and the default version of the managed one', async () => {
    const documents = await iam.listRolePolicyDocuments('orders');
    assert.deepEqual(documents, [
      { source: 'inline:s3-read', document: inlinePolicy },
      { source: managedArn, document: managedV2 },
    ]);
  });

  test('a missing role is not-found for every method', async () => {
    await assert.rejects(iam.getRole('nobody'), (err) => isPortError(err, 'not-found'));
    await assert.rejects(iam.updateTrustPolicy('nobody', irsaTrust), (err) => isPortError(err, 'not-found'));
    await assert.rejects(iam.listRolePolicyDocuments('nobody'), (err) => isPortError(err, 'not-found'));
  });

  test('a malformed trust policy is a validation error, and the role keeps its policy', async () => {
    const before = (await iam.getRole('orders')).trustPolicy;
    const malformed = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Maybe', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    } as unknown as PolicyDocument;
    await assert.rejects(iam.updateTrustPolicy('orders', malformed), (err) => {
      assert.ok(isPortError(err, 'validation'));
      assert.equal(err.details.code, 'MalformedPolicyDocumentException');
      assert.equal(err.details.httpStatus, 400);
      return true;
    });
    assert.deepEqual((await iam.getRole('orders')).trustPolicy, before);
  });
});

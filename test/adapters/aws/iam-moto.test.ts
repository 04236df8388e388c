import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
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
    await assert.rejects(iam.listRoleTags('nobody'), (err) => isPortError(err, 'not-found'));
  });

  test('listing follows Marker past a page size smaller than the data', async () => {
    const pagedClient = new IAMClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const requests: [string, string | undefined][] = [];
    pagedClient.middlewareStack.add(
      (next, context) => (args) => {
        requests.push([context.commandName ?? '', (args.input as { Marker?: string }).Marker]);
        return next(args);
      },
      { step: 'initialize' },
    );
    const paged = createIamAdapter(pagedClient, { pageSize: 2 });
    const tags = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`tag-${i}`, `value-${i}`]));
    const names = ['paged-a', 'paged-b', 'paged-c', 'paged-d'];
    for (const name of names) {
      await client.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: JSON.stringify(irsaTrust),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
    // moto pages attached policies but not inline ones, so the policy paging is checked on those.
    const attached: string[] = [];
    for (const policyName of ['paged-p-1', 'paged-p-2', 'paged-p-3']) {
      const { Policy: policy } = await client.send(
        new CreatePolicyCommand({ PolicyName: policyName, PolicyDocument: JSON.stringify(managedV1) }),
      );
      attached.push(policy!.Arn!);
      await client.send(new AttachRolePolicyCommand({ RoleName: 'paged-a', PolicyArn: policy!.Arn! }));
    }
    try {
      const roles = await paged.listRoles();
      assert.deepEqual(roles.map((r) => r.name).sort(), ['orders', ...names].sort());
      assert.deepEqual(roles.find((r) => r.name === 'paged-c')?.trustPolicy, irsaTrust);
      assert.deepEqual(await paged.listRoleTags('paged-b'), tags);
      assert.deepEqual((await paged.listRolePolicyDocuments('paged-a')).map((d) => d.source).sort(), attached.sort());
      const pagesOf = (command: string) => requests.filter(([name]) => name === command);
      assert.equal(pagesOf('ListRolesCommand').length, 3);
      assert.equal(pagesOf('ListRoleTagsCommand').length, 3);
      assert.equal(pagesOf('ListAttachedRolePoliciesCommand').length, 2);
      for (const command of ['ListRolesCommand', 'ListRoleTagsCommand', 'ListAttachedRolePoliciesCommand']) {
        const markers = pagesOf(command).map(([, marker]) => marker);
        assert.equal(markers[0], undefined);
        assert.ok(
          markers.slice(1).every((m) => typeof m === 'string' && m !== ''),
          `${command} sends the Marker`,
        );
      }
    } finally {
      pagedClient.destroy();
    }
  });

  test('listOpenIdConnectProviders reads each provider from its ARN', async () => {
    const urls = [
      'https://oidc.eks.us-east-1.amazonaws.com/id/AAAA',
      'https://oidc.eks.eu-west-1.amazonaws.com/id/BBBB',
    ];
    for (const url of urls) {
      await client.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['sts.amazonaws.com'] }));
    }
    const providers = await iam.listOpenIdConnectProviders();
    assert.deepEqual(
      providers.sort((a, b) => a.arn.localeCompare(b.arn)),
      [
        {
          arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/BBBB`,
          issuerHostPath: 'oidc.eks.eu-west-1.amazonaws.com/id/BBBB',
        },
        {
          arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AAAA`,
          issuerHostPath: 'oidc.eks.us-east-1.amazonaws.com/id/AAAA',
        },
      ],
    );
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

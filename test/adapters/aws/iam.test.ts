import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createIamAdapter } from '../../../src/adapters/aws/iam.js';
import type { PolicyDocument } from '../../../src/domain/types.js';
import { isPortError } from '../../../src/ports/errors.js';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/team/orders';

const irsaTrust: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:shop:orders',
          'oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud': 'sts.amazonaws.com',
        },
      },
    },
  ],
};

const s3Read: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::orders/*' }],
};

/** As IAM sends documents: URL-encoded JSON. */
const encode = (document: unknown) => encodeURIComponent(JSON.stringify(document));

function setup() {
  const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  return { iam: createIamAdapter(client), mock: mockClient(client) };
}

const inputs = <T>(calls: { args: [{ input: T }] }[]) => calls.map((call) => call.args[0].input);

describe('IAM adapter: getRole', () => {
  test('decodes the URL-encoded trust policy and takes the account from the ARN', async () => {
    const { iam, mock } = setup();
    mock.on(GetRoleCommand).resolves({
      Role: {
        Arn: ROLE_ARN,
        RoleName: 'orders',
        Path: '/team/',
        RoleId: 'AROAEXAMPLE',
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: encode(irsaTrust),
      },
    });
    const role = await iam.getRole('orders');
    assert.deepEqual(inputs(mock.commandCalls(GetRoleCommand)), [{ RoleName: 'orders' }]);
    assert.deepEqual(role, { arn: ROLE_ARN, name: 'orders', accountId: '111122223333', trustPolicy: irsaTrust });
  });

  test('a single statement object becomes a one-element list', async () => {
    const { iam, mock } = setup();
    const [statement] = irsaTrust.Statement;
    mock.on(GetRoleCommand).resolves({
      Role: {
        Arn: ROLE_ARN,
        RoleName: 'orders',
        Path: '/',
        RoleId: 'AROAEXAMPLE',
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: encode({ Version: '2012-10-17', Statement: statement }),
      },
    });
    const role = await iam.getRole('orders');
    assert.deepEqual(role.trustPolicy, irsaTrust);
  });

  test('a missing role is not-found', async () => {
    const { iam, mock } = setup();
    mock.on(GetRoleCommand).rejects(
      new NoSuchEntityException({
        message: 'The role with name orders cannot be found.',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    await assert.rejects(iam.getRole('orders'), (err) => {
      assert.ok(isPortError(err, 'not-found'));
      assert.match(err.message, /^IAM GetRole orders: /);
      return true;
    });
  });

  test('an unreadable trust policy is a validation error', async () => {
    const { iam, mock } = setup();
    mock.on(GetRoleCommand).resolves({
      Role: {
        Arn: ROLE_ARN,
        RoleName: 'orders',
        Path: '/',
        RoleId: 'R',
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: '%7Bnot',
      },
    });
    await assert.rejects(iam.getRole('orders'), (err) => isPortError(err, 'validation'));
  });
});

describe('IAM adapter: updateTrustPolicy', () => {
  test('writes the whole document as JSON', async () => {
    const { iam, mock } = setup();
    mock.on(UpdateAssumeRolePolicyCommand).resolves({});
    await iam.updateTrustPolicy('orders', irsaTrust);
    assert.deepEqual(inputs(mock.commandCalls(UpdateAssumeRolePolicyCommand)), [
      { RoleName: 'orders', PolicyDocument: JSON.stringify(irsaTrust) },
    ]);
  });

  test('a malformed document is a validation error', async () => {
    const { iam, mock } = setup();
    mock.on(UpdateAssumeRolePolicyCommand).rejects(
      new MalformedPolicyDocumentException({
        message: 'Syntax errors in policy.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await assert.rejects(iam.updateTrustPolicy('orders', irsaTrust), (err) => {
      assert.ok(isPortError(err, 'validation'));
      assert.match(err.message, /^IAM UpdateAssumeRolePolicy orders: /);
      return true;
    });
  });

  test('a trust policy over the size quota is limit-exceeded', async () => {
    const { iam, mock } = setup();
    mock.on(UpdateAssumeRolePolicyCommand).rejects(
      new IAMServiceException({
        name: 'LimitExceeded',
        $fault: 'client',
        message: 'Cannot exceed quota for ACLSizePerRole: 2048',
        $metadata: { httpStatusCode: 409 },
      }),
    );
    await assert.rejects(iam.updateTrustPolicy('orders', irsaTrust), (err) => isPortError(err, 'limit-exceeded'));
  });
});

describe('IAM adapter: listRolePolicyDocuments', () => {
  test('reads every inline policy and the default version of every attached policy, over all pages', async () => {
    const { iam, mock } = setup();
    mock
      .on(ListRolePoliciesCommand)
      .resolvesOnce({ PolicyNames: ['inline-a'], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ PolicyNames: ['inline-b'], IsTruncated: false });
    mock.on(GetRolePolicyCommand).callsFake((input: { PolicyName: string }) => ({
      RoleName: 'orders',
      PolicyName: input.PolicyName,
      PolicyDocument: encode({ ...s3Read, Id: input.PolicyName }),
    }));
    const managedArn = 'arn:aws:iam::111122223333:policy/orders-db';
    const awsManagedArn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    mock
      .on(ListAttachedRolePoliciesCommand)
      .resolvesOnce({
        AttachedPolicies: [{ PolicyName: 'orders-db', PolicyArn: managedArn }],
        IsTruncated: true,
        Marker: 'm2',
      })
      .resolvesOnce({
        AttachedPolicies: [{ PolicyName: 'ReadOnlyAccess', PolicyArn: awsManagedArn }],
        IsTruncated: false,
      });
    mock
      .on(GetPolicyCommand, { PolicyArn: managedArn })
      .resolves({ Policy: { Arn: managedArn, DefaultVersionId: 'v3' } });
    mock
      .on(GetPolicyCommand, { PolicyArn: awsManagedArn })
      .resolves({ Policy: { Arn: awsManagedArn, DefaultVersionId: 'v1' } });
    mock.on(GetPolicyVersionCommand).callsFake((input: { PolicyArn: string; VersionId: string }) => ({
      PolicyVersion: {
        VersionId: input.VersionId,
        Document: encode({ ...s3Read, Id: `${input.PolicyArn}#${input.VersionId}` }),
      },
    }));

    const documents = await iam.listRolePolicyDocuments('orders');

    assert.deepEqual(inputs(mock.commandCalls(ListRolePoliciesCommand)), [
      { RoleName: 'orders', Marker: undefined },
      { RoleName: 'orders', Marker: 'm1' },
    ]);
    assert.deepEqual(inputs(mock.commandCalls(GetRolePolicyCommand)), [
      { RoleName: 'orders', PolicyName: 'inline-a' },
      { RoleName: 'orders', PolicyName: 'inline-b' },
    ]);
    assert.deepEqual(inputs(mock.commandCalls(ListAttachedRolePoliciesCommand)), [
      { RoleName: 'orders', Marker: undefined },
      { RoleName: 'orders', Marker: 'm2' },
    ]);
    assert.deepEqual(inputs(mock.commandCalls(GetPolicyCommand)), [
      { PolicyArn: managedArn },
      { PolicyArn: awsManagedArn },
    ]);
    assert.deepEqual(inputs(mock.commandCalls(GetPolicyVersionCommand)), [
      { PolicyArn: managedArn, VersionId: 'v3' },
      { PolicyArn: awsManagedArn, VersionId: 'v1' },
    ]);
    assert.deepEqual(documents, [
      { source: 'inline:inline-a', document: { ...s3Read, Id: 'inline-a' } },
      { source: 'inline:inline-b', document: { ...s3Read, Id: 'inline-b' } },
      { source: managedArn, document: { ...s3Read, Id: `${managedArn}#v3` } },
      { source: awsManagedArn, document: { ...s3Read, Id: `${awsManagedArn}#v1` } },
    ]);
  });

  test('a role without policies has none', async () => {
    const { iam, mock } = setup();
    mock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
    mock.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
    assert.deepEqual(await iam.listRolePolicyDocuments('orders'), []);
  });

  test('throttling while reading is mapped', async () => {
    const { iam, mock } = setup();
    mock.on(ListRolePoliciesCommand).rejects(
      new IAMServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await assert.rejects(iam.listRolePolicyDocuments('orders'), (err) => {
      assert.ok(isPortError(err, 'throttled'));
      assert.match(err.message, /^IAM policies of role orders: /);
      return true;
    });
  });
});

describe('IAM adapter: fleet-wide reads', () => {
  const role = (name: string, trust: unknown = irsaTrust) => ({
    Arn: `arn:aws:iam::111122223333:role/${name}`,
    RoleName: name,
    Path: '/',
    RoleId: `AROA${name}`,
    CreateDate: new Date(0),
    AssumeRolePolicyDocument: encode(trust),
  });

  test('listRoles follows Marker over every page and decodes each trust policy', async () => {
    const client = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const mock = mockClient(client);
    const iam = createIamAdapter(client, { pageSize: 2 });
    mock
      .on(ListRolesCommand)
      .resolvesOnce({ Roles: [role('a'), role('b')], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ Roles: [role('c', { Version: '2012-10-17', Statement: irsaTrust.Statement[0] })] });

    const roles = await iam.listRoles();

    assert.deepEqual(inputs(mock.commandCalls(ListRolesCommand)), [
      { Marker: undefined, MaxItems: 2 },
      { Marker: 'm1', MaxItems: 2 },
    ]);
    assert.deepEqual(
      roles,
      ['a', 'b', 'c'].map((name) => ({
        arn: `arn:aws:iam::111122223333:role/${name}`,
        name,
        accountId: '111122223333',
        trustPolicy: irsaTrust,
      })),
    );
  });

  test('listRoles with an unreadable trust policy is a validation error naming the role', async () => {
    const { iam, mock } = setup();
    mock.on(ListRolesCommand).resolves({ Roles: [{ ...role('broken'), AssumeRolePolicyDocument: '%7Bnot' }] });
    await assert.rejects(iam.listRoles(), (err) => {
      assert.ok(isPortError(err, 'validation'));
      assert.match(err.message, /trust policy of role broken/);
      return true;
    });
  });

  test('listRoleTags follows Marker and returns a key-value map', async () => {
    const { iam, mock } = setup();
    mock
      .on(ListRoleTagsCommand)
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'payments' }], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ Tags: [{ Key: 'env', Value: 'prod' }], IsTruncated: false });

    assert.deepEqual(await iam.listRoleTags('orders'), { team: 'payments', env: 'prod' });
    assert.deepEqual(inputs(mock.commandCalls(ListRoleTagsCommand)), [
      { RoleName: 'orders', Marker: undefined },
      { RoleName: 'orders', Marker: 'm1' },
    ]);
  });

  test('listRoleTags of a missing role is not-found', async () => {
    const { iam, mock } = setup();
    mock
      .on(ListRoleTagsCommand)
      .rejects(new NoSuchEntityException({ message: 'no role', $metadata: { httpStatusCode: 404 } }));
    await assert.rejects(iam.listRoleTags('orders'), (err) => {
      assert.ok(isPortError(err, 'not-found'));
      assert.match(err.message, /^IAM ListRoleTags orders: /);
      return true;
    });
  });

  test('listOpenIdConnectProviders takes the issuer from each ARN, in any partition', async () => {
    const { iam, mock } = setup();
    mock.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [
        { Arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC' },
        { Arn: 'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/DEF' },
        { Arn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
      ],
    });

    assert.deepEqual(await iam.listOpenIdConnectProviders(), [
      {
        arn: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC',
        issuerHostPath: 'oidc.eks.eu-west-1.amazonaws.com/id/ABC',
      },
      {
        arn: 'arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/DEF',
        issuerHostPath: 'oidc.eks.cn-north-1.amazonaws.com.cn/id/DEF',
      },
      {
        arn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
        issuerHostPath: 'token.actions.githubusercontent.com',
      },
    ]);
    assert.equal(mock.commandCalls(ListOpenIDConnectProvidersCommand).length, 1);
  });

  test('listOpenIdConnectProviders denied is access-denied', async () => {
    const { iam, mock } = setup();
    mock
      .on(ListOpenIDConnectProvidersCommand)
      .rejects(new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'no', $metadata: {} }));
    await assert.rejects(iam.listOpenIdConnectProviders(), (err) => isPortError(err, 'access-denied'));
  });
});

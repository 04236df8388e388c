import {
  AccessDeniedException,
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListFargateProfilesCommand,
  ListPodIdentityAssociationsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEksAdapter, type EksAdapterOptions } from '../../../src/adapters/aws/eks.js';
import { isPortError } from '../../../src/ports/errors.js';

const ROLE = 'arn:aws:iam::111122223333:role/orders';

/** The fleet calls the cluster `prod-a`; in EKS it is `prod-a-eks`. */
function setup() {
  const client = new EKSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(client);
  const resolved: string[] = [];
  const eks = createEksAdapter((cluster) => {
    resolved.push(cluster);
    return { client, eksClusterName: `${cluster}-eks` };
  });
  return { eks, mock, resolved };
}

const inputs = <T>(calls: { args: [{ input: T }] }[]) => calls.map((call) => call.args[0].input);

describe('EKS adapter: describeCluster', () => {
  test('asks for the EKS name and maps the cluster', async () => {
    const { eks, mock, resolved } = setup();
    mock.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'prod-a-eks',
        arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod-a-eks',
        status: 'ACTIVE',
        version: '1.30',
        platformVersion: 'eks.7',
        identity: { oidc: { issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' } },
        endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
        certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
        computeConfig: { enabled: true },
      },
    });
    const info = await eks.describeCluster('prod-a');
    assert.deepEqual(resolved, ['prod-a']);
    assert.deepEqual(inputs(mock.commandCalls(DescribeClusterCommand)), [{ name: 'prod-a-eks' }]);
    assert.deepEqual(info, {
      name: 'prod-a-eks',
      arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod-a-eks',
      status: 'ACTIVE',
      version: '1.30',
      platformVersion: 'eks.7',
      oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC',
      autoMode: true,
      endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      certificateAuthority: 'LS0tLS1CRUdJTg==',
    });
  });

  test('no computeConfig means not Auto Mode', async () => {
    const { eks, mock } = setup();
    mock.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod-a-eks', arn: 'arn', status: 'ACTIVE', version: '1.29', platformVersion: 'eks.4' },
    });
    const info = await eks.describeCluster('prod-a');
    assert.equal(info.autoMode, false);
    assert.equal(info.oidcIssuer, undefined);
  });

  test('reports the IP family, which decides the Pod Identity agent address pods get', async () => {
    const { eks, mock } = setup();
    mock.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'prod-a-eks',
        arn: 'arn',
        status: 'ACTIVE',
        version: '1.31',
        platformVersion: 'eks.4',
        kubernetesNetworkConfig: { ipFamily: 'ipv6', serviceIpv6Cidr: 'fd12:3456:789a::/108' },
      },
    });
    assert.equal((await eks.describeCluster('prod-a')).ipFamily, 'ipv6');
  });

  test('a missing cluster is not-found, with the fleet name in the message', async () => {
    const { eks, mock } = setup();
    mock.on(DescribeClusterCommand).rejects(
      new ResourceNotFoundException({
        message: 'No cluster found for name: prod-a-eks.',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    await assert.rejects(eks.describeCluster('prod-a'), (err) => {
      assert.ok(isPortError(err, 'not-found'));
      assert.match(err.message, /^EKS DescribeCluster on cluster prod-a: /);
      return true;
    });
  });
});

describe('EKS adapter: describeAddon', () => {
  test('maps status and health issues', async () => {
    const { eks, mock } = setup();
    mock.on(DescribeAddonCommand).resolves({
      addon: {
        addonName: 'eks-pod-identity-agent',
        status: 'DEGRADED',
        health: {
          issues: [{ code: 'InsufficientNumberOfReplicas', message: '1 of 3 ready' }, { code: 'AccessDenied' }],
        },
      },
    });
    const addon = await eks.describeAddon('prod-a', 'eks-pod-identity-agent');
    assert.deepEqual(inputs(mock.commandCalls(DescribeAddonCommand)), [
      { clusterName: 'prod-a-eks', addonName: 'eks-pod-identity-agent' },
    ]);
    assert.deepEqual(addon, {
      name: 'eks-pod-identity-agent',
      status: 'DEGRADED',
      healthIssues: ['InsufficientNumberOfReplicas: 1 of 3 ready', 'AccessDenied'],
    });
  });

  test('an add-on that is not installed is undefined', async () => {
    const { eks, mock } = setup();
    mock.on(DescribeAddonCommand).rejects(
      new ResourceNotFoundException({
        message: 'No addon: eks-pod-identity-agent found',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    assert.equal(await eks.describeAddon('prod-a', 'eks-pod-identity-agent'), undefined);
  });

  test('other errors are thrown, mapped', async () => {
    const { eks, mock } = setup();
    mock
      .on(DescribeAddonCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: { httpStatusCode: 403 } }));
    await assert.rejects(eks.describeAddon('prod-a', 'eks-pod-identity-agent'), (err) =>
      isPortError(err, 'access-denied'),
    );
  });
});

describe('EKS adapter: listFargateProfiles', () => {
  test('follows every page and describes each profile', async () => {
    const { eks, mock } = setup();
    mock
      .on(ListFargateProfilesCommand)
      .resolvesOnce({ fargateProfileNames: ['fp-1', 'fp-2'], nextToken: 'page-2' })
      .resolvesOnce({ fargateProfileNames: ['fp-3'] });
    mock.on(DescribeFargateProfileCommand).callsFake((input: { fargateProfileName: string }) => ({
      fargateProfile: {
        fargateProfileName: input.fargateProfileName,
        selectors:
          input.fargateProfileName === 'fp-1'
            ? [{ namespace: 'batch', labels: { compute: 'fargate' } }, { namespace: 'jobs' }]
            : [{ namespace: `ns-${input.fargateProfileName}` }],
      },
    }));
    const profiles = await eks.listFargateProfiles('prod-a');
    assert.deepEqual(inputs(mock.commandCalls(ListFargateProfilesCommand)), [
      { clusterName: 'prod-a-eks', nextToken: undefined },
      { clusterName: 'prod-a-eks', nextToken: 'page-2' },
    ]);
    assert.deepEqual(inputs(mock.commandCalls(DescribeFargateProfileCommand)), [
      { clusterName: 'prod-a-eks', fargateProfileName: 'fp-1' },
      { clusterName: 'prod-a-eks', fargateProfileName: 'fp-2' },
      { clusterName: 'prod-a-eks', fargateProfileName: 'fp-3' },
    ]);
    assert.deepEqual(profiles, [
      { name: 'fp-1', selectors: [{ namespace: 'batch', labels: { compute: 'fargate' } }, { namespace: 'jobs' }] },
      { name: 'fp-2', selectors: [{ namespace: 'ns-fp-2' }] },
      { name: 'fp-3', selectors: [{ namespace: 'ns-fp-3' }] },
    ]);
  });

  test('throttling is mapped', async () => {
    const { eks, mock } = setup();
    mock
      .on(ListFargateProfilesCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    await assert.rejects(eks.listFargateProfiles('prod-a'), (err) => isPortError(err, 'throttled'));
  });
});

describe('EKS adapter: findPodIdentityAssociations', () => {
  test('lists with both filters over every page, then describes each for its role', async () => {
    const { eks, mock } = setup();
    mock
      .on(ListPodIdentityAssociationsCommand)
      .resolvesOnce({
        associations: [{ associationId: 'a-1', namespace: 'shop', serviceAccount: 'orders' }],
        nextToken: 'next',
      })
      .resolvesOnce({
        associations: [
          {
            associationId: 'a-2',
            namespace: 'shop',
            serviceAccount: 'orders',
            ownerArn: 'arn:aws:eks:eu-west-1:111122223333:addon/prod-a-eks/some-addon/x',
          },
        ],
      });
    mock.on(DescribePodIdentityAssociationCommand, { associationId: 'a-1' }).resolves({
      association: {
        associationId: 'a-1',
        associationArn: 'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod-a-eks/a-1',
        clusterName: 'prod-a-eks',
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: ROLE,
      },
    });
    mock.on(DescribePodIdentityAssociationCommand, { associationId: 'a-2' }).resolves({
      association: {
        associationId: 'a-2',
        clusterName: 'prod-a-eks',
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: 'arn:aws:iam::111122223333:role/addon',
        ownerArn: 'arn:aws:eks:eu-west-1:111122223333:addon/prod-a-eks/some-addon/x',
      },
    });

    const found = await eks.findPodIdentityAssociations('prod-a', 'shop', 'orders');

    assert.deepEqual(inputs(mock.commandCalls(ListPodIdentityAssociationsCommand)), [
      { clusterName: 'prod-a-eks', namespace: 'shop', serviceAccount: 'orders', nextToken: undefined },
      { clusterName: 'prod-a-eks', namespace: 'shop', serviceAccount: 'orders', nextToken: 'next' },
    ]);
    assert.deepEqual(inputs(mock.commandCalls(DescribePodIdentityAssociationCommand)), [
      { clusterName: 'prod-a-eks', associationId: 'a-1' },
      { clusterName: 'prod-a-eks', associationId: 'a-2' },
    ]);
    assert.deepEqual(found, [
      {
        associationId: 'a-1',
        associationArn: 'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod-a-eks/a-1',
        cluster: 'prod-a',
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: ROLE,
      },
      {
        associationId: 'a-2',
        cluster: 'prod-a',
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: 'arn:aws:iam::111122223333:role/addon',
        ownerArn: 'arn:aws:eks:eu-west-1:111122223333:addon/prod-a-eks/some-addon/x',
      },
    ]);
  });

  test('none found is an empty list, with no Describe', async () => {
    const { eks, mock } = setup();
    mock.on(ListPodIdentityAssociationsCommand).resolves({ associations: [] });
    assert.deepEqual(await eks.findPodIdentityAssociations('prod-a', 'shop', 'orders'), []);
    assert.equal(mock.commandCalls(DescribePodIdentityAssociationCommand).length, 0);
  });

  test('an association deleted between List and Describe is left out', async () => {
    const { eks, mock } = setup();
    mock.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-gone' }] });
    mock
      .on(DescribePodIdentityAssociationCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 404 } }));
    assert.deepEqual(await eks.findPodIdentityAssociations('prod-a', 'shop', 'orders'), []);
  });

  test('a Describe failure other than not-found is thrown, naming the association', async () => {
    const { eks, mock } = setup();
    mock.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-1' }] });
    mock
      .on(DescribePodIdentityAssociationCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: { httpStatusCode: 403 } }));
    await assert.rejects(eks.findPodIdentityAssociations('prod-a', 'shop', 'orders'), (err) => {
      assert.ok(isPortError(err, 'access-denied'));
      assert.match(err.message, /^EKS DescribePodIdentityAssociation a-1 on cluster prod-a: /);
      return true;
    });
  });
});

describe('EKS adapter: createPodIdentityAssociation', () => {
  const request = {
    cluster: 'prod-a',
    namespace: 'shop',
    serviceAccount: 'orders',
    roleArn: ROLE,
    clientRequestToken: 'wf-123-prod-a',
    tags: { 'migrate-identity/workflow': 'wf-123' },
  };

  test('sends the idempotency token and tags, returns the association', async () => {
    const { eks, mock } = setup();
    mock.on(CreatePodIdentityAssociationCommand).resolves({
      association: {
        associationId: 'a-9',
        associationArn: 'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod-a-eks/a-9',
        clusterName: 'prod-a-eks',
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: ROLE,
      },
    });
    const created = await eks.createPodIdentityAssociation(request);
    assert.deepEqual(inputs(mock.commandCalls(CreatePodIdentityAssociationCommand)), [
      {
        clusterName: 'prod-a-eks',
        namespace: 'shop',
        serviceAccount: 'orders',
        roleArn: ROLE,
        clientRequestToken: 'wf-123-prod-a',
        tags: { 'migrate-identity/workflow': 'wf-123' },
      },
    ]);
    assert.deepEqual(created, {
      associationId: 'a-9',
      associationArn: 'arn:aws:eks:eu-west-1:111122223333:podidentityassociation/prod-a-eks/a-9',
      cluster: 'prod-a',
      namespace: 'shop',
      serviceAccount: 'orders',
      roleArn: ROLE,
    });
  });

  test('no tags are sent when none are given', async () => {
    const { eks, mock } = setup();
    mock.on(CreatePodIdentityAssociationCommand).resolves({ association: { associationId: 'a-9', roleArn: ROLE } });
    const { tags: _tags, ...untagged } = request;
    await eks.createPodIdentityAssociation(untagged);
    const [input] = inputs(mock.commandCalls(CreatePodIdentityAssociationCommand));
    assert.ok(input !== undefined && !('tags' in input));
  });

  test('an existing association is a conflict naming its id', async () => {
    const { eks, mock } = setup();
    mock.on(CreatePodIdentityAssociationCommand).rejects(
      new ResourceInUseException({
        message: 'Association already exists: a-0existing0000000',
        $metadata: { httpStatusCode: 409 },
      }),
    );
    await assert.rejects(eks.createPodIdentityAssociation(request), (err) => {
      assert.ok(isPortError(err, 'conflict'));
      assert.equal(err.details.existingId, 'a-0existing0000000');
      assert.match(err.message, /^EKS CreatePodIdentityAssociation on cluster prod-a: /);
      return true;
    });
  });
});

describe('EKS adapter: deletePodIdentityAssociation', () => {
  test('deletes by cluster and id', async () => {
    const { eks, mock } = setup();
    mock.on(DeletePodIdentityAssociationCommand).resolves({ association: { associationId: 'a-9' } });
    await eks.deletePodIdentityAssociation('prod-a', 'a-9');
    assert.deepEqual(inputs(mock.commandCalls(DeletePodIdentityAssociationCommand)), [
      { clusterName: 'prod-a-eks', associationId: 'a-9' },
    ]);
  });

  test('a missing association is not-found', async () => {
    const { eks, mock } = setup();
    mock
      .on(DeletePodIdentityAssociationCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'Association a-9 not found', $metadata: { httpStatusCode: 404 } }),
      );
    await assert.rejects(eks.deletePodIdentityAssociation('prod-a', 'a-9'), (err) => isPortError(err, 'not-found'));
  });
});

describe('EKS adapter: listPodIdentityAssociations', () => {
  const summary = (id: string, namespace: string, extra: object = {}) => ({
    associationId: id,
    namespace,
    serviceAccount: `sa-${id}`,
    ...extra,
  });
  const ADDON_OWNER = 'arn:aws:eks:eu-west-1:111122223333:addon/prod-a-eks/some-addon/x';

  /** Pages of `pageSize` over `summaries`, as EKS hands them out for `maxResults`. */
  function serve(mock: ReturnType<typeof adapter>['mock'], summaries: ReturnType<typeof summary>[]) {
    mock.on(ListPodIdentityAssociationsCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
      const start = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('page-', ''));
      const end = start + (input.maxResults ?? 100);
      return {
        associations: summaries.slice(start, end),
        ...(end < summaries.length && { nextToken: `page-${end}` }),
      };
    });
  }

  function adapter(options: EksAdapterOptions) {
    const client = new EKSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const mock = mockClient(client);
    return { eks: createEksAdapter((cluster) => ({ client, eksClusterName: `${cluster}-eks` }), options), mock };
  }

  test('pages through the whole cluster with no filter, then describes each for its role', async () => {
    const { eks, mock } = adapter({ pageSize: 2 });
    const summaries = [
      summary('a-1', 'shop'),
      summary('a-2', 'shop'),
      summary('a-3', 'billing'),
      summary('a-4', 'kube-system', { ownerArn: ADDON_OWNER }),
      summary('a-5', 'billing'),
    ];
    serve(mock, summaries);
    mock.on(DescribePodIdentityAssociationCommand).callsFake((input: { associationId: string }) => {
      const found = summaries.find((s) => s.associationId === input.associationId)!;
      return { association: { ...found, clusterName: 'prod-a-eks', roleArn: `${ROLE}-${input.associationId}` } };
    });

    const listed = await eks.listPodIdentityAssociations('prod-a');

    assert.deepEqual(inputs(mock.commandCalls(ListPodIdentityAssociationsCommand)), [
      { clusterName: 'prod-a-eks', nextToken: undefined, maxResults: 2 },
      { clusterName: 'prod-a-eks', nextToken: 'page-2', maxResults: 2 },
      { clusterName: 'prod-a-eks', nextToken: 'page-4', maxResults: 2 },
    ]);
    assert.deepEqual(
      inputs(mock.commandCalls(DescribePodIdentityAssociationCommand)).map((i) => i.associationId),
      ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'],
    );
    assert.deepEqual(
      listed.map((a) => [a.associationId, a.cluster, a.namespace, a.serviceAccount, a.roleArn, a.ownerArn]),
      [
        ['a-1', 'prod-a', 'shop', 'sa-a-1', `${ROLE}-a-1`, undefined],
        ['a-2', 'prod-a', 'shop', 'sa-a-2', `${ROLE}-a-2`, undefined],
        ['a-3', 'prod-a', 'billing', 'sa-a-3', `${ROLE}-a-3`, undefined],
        ['a-4', 'prod-a', 'kube-system', 'sa-a-4', `${ROLE}-a-4`, ADDON_OWNER],
        ['a-5', 'prod-a', 'billing', 'sa-a-5', `${ROLE}-a-5`, undefined],
      ],
    );
  });

  test('describes a few at a time, never more than describeConcurrency', async () => {
    const { eks, mock } = adapter({ describeConcurrency: 3 });
    const summaries = Array.from({ length: 10 }, (_, i) => summary(`a-${i}`, 'shop'));
    serve(mock, summaries);
    let inFlight = 0;
    let peak = 0;
    mock.on(DescribePodIdentityAssociationCommand).callsFake(async (input: { associationId: string }) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { association: { associationId: input.associationId, namespace: 'shop', roleArn: ROLE } };
    });

    const listed = await eks.listPodIdentityAssociations('prod-a');

    assert.equal(peak, 3);
    assert.deepEqual(
      listed.map((a) => a.associationId),
      summaries.map((s) => s.associationId),
    );
  });

  test('an association deleted between List and Describe is left out', async () => {
    const { eks, mock } = adapter({});
    serve(mock, [summary('a-1', 'shop'), summary('a-gone', 'shop')]);
    mock
      .on(DescribePodIdentityAssociationCommand, { associationId: 'a-1' })
      .resolves({ association: { associationId: 'a-1', namespace: 'shop', serviceAccount: 'x', roleArn: ROLE } });
    mock
      .on(DescribePodIdentityAssociationCommand, { associationId: 'a-gone' })
      .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 404 } }));

    const listed = await eks.listPodIdentityAssociations('prod-a');

    assert.deepEqual(
      listed.map((a) => a.associationId),
      ['a-1'],
    );
  });

  test('an unknown cluster is not-found; throttling is throttled', async () => {
    const { eks, mock } = adapter({});
    mock
      .on(ListPodIdentityAssociationsCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'No cluster found', $metadata: { httpStatusCode: 404 } }))
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));

    await assert.rejects(eks.listPodIdentityAssociations('prod-a'), (err) => {
      assert.ok(isPortError(err, 'not-found'));
      assert.match(err.message, /^EKS ListPodIdentityAssociations on cluster prod-a: /);
      return true;
    });
    await assert.rejects(eks.listPodIdentityAssociations('prod-a'), (err) => isPortError(err, 'throttled'));
  });
});

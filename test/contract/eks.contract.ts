import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EksPort } from '../../src/ports/eks.js';
import { isPortError, PortError } from '../../src/ports/errors.js';
import type { PodIdentityAssociation } from '../../src/domain/eks.js';
import type { ContractSubject, MakeSubject } from './subject.js';
import { pollUntil, uniqueName } from './subject.js';

/** How the EKS suite puts clusters and roles into a backend. */
export interface EksFixtureDriver {
  /** Creates an ACTIVE cluster; returns the name the port addresses it by. */
  createCluster(name: string): Promise<string>;
  /** A role in the cluster's account that associations may name; returns its ARN. */
  createRole(name: string): Promise<string>;
  /** A managed node group of the cluster whose nodes run as `nodeRoleArn`. */
  createNodegroup(cluster: string, name: string, nodeRoleArn: string): Promise<void>;
}

/** What a backend can answer: each case runs where the backend implements what it holds. */
export interface EksContractScope {
  /**
   * Pod Identity association calls. moto 5.2 has no route for them (it answers an HTML 404,
   * see test/adapters/aws/eks-moto.test.ts), so they hold the sandbox only.
   */
  associations: boolean;
  /** ListNodegroups of an unknown cluster answers ResourceNotFoundException (moto: an HTML 404). */
  nodegroupsOfUnknownCluster: boolean;
  /**
   * How long List may take to show a create or drop a delete: EKS API Reference,
   * CreatePodIdentityAssociation, "EKS Pod Identity associations are eventually consistent,
   * and may take several seconds to be effective after the initial API call returns
   * successfully". Cases that read List poll for this long instead of expecting it at once.
   */
  listSettleMs: number;
}

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';

export function runEksContract(
  name: string,
  makeSubject: MakeSubject<EksPort, EksFixtureDriver>,
  scope: EksContractScope,
): void {
  describe(name, () => {
    let subject: ContractSubject<EksPort, EksFixtureDriver>;
    let cluster: string;
    let roleArn: string;

    before(async () => {
      subject = await makeSubject();
      cluster = await subject.driver.createCluster(uniqueName('contract'));
      roleArn = await subject.driver.createRole(uniqueName('contract-role'));
    });
    after(() => subject?.cleanup());

    const request = (namespace: string, serviceAccount: string, token: string) => ({
      cluster,
      namespace,
      serviceAccount,
      roleArn,
      clientRequestToken: token,
    });
    const settle = { timeoutMs: scope.listSettleMs + 2000, intervalMs: Math.max(5, scope.listSettleMs / 10) };
    /** What the lookup finds once List has caught up: `count` associations. */
    const foundOnceSettled = (namespace: string, serviceAccount: string, count: number) =>
      pollUntil(
        `${count} association(s) for ${namespace}/${serviceAccount} in List`,
        async () => {
          const found = await subject.port.findPodIdentityAssociations(cluster, namespace, serviceAccount);
          return found.length === count ? found : undefined;
        },
        settle,
      );

    test('describeCluster reports an ACTIVE cluster', async () => {
      const info = await subject.port.describeCluster(cluster);
      assert.equal(info.status, 'ACTIVE');
      assert.match(info.arn, /^arn:aws:eks:[a-z0-9-]+:\d{12}:cluster\/.+/);
      assert.match(info.version, /^\d+\.\d+$/);
      assert.match(info.platformVersion, /^eks\.\d+$/);
      assert.equal(typeof info.autoMode, 'boolean');
    });

    test('describeCluster of an unknown cluster is not-found', async () => {
      await assert.rejects(subject.port.describeCluster(uniqueName('missing')), (err) => isPortError(err, 'not-found'));
    });

    test('listNodegroups describes every managed node group with its node role', async () => {
      const withGroups = await subject.driver.createCluster(uniqueName('contract-ng'));
      assert.deepEqual(await subject.port.listNodegroups(withGroups), []);
      const nodeRole = await subject.driver.createRole(uniqueName('contract-nodes'));
      await subject.driver.createNodegroup(withGroups, 'ng-a', nodeRole);
      await subject.driver.createNodegroup(withGroups, 'ng-b', nodeRole);
      const groups = await subject.port.listNodegroups(withGroups);
      assert.deepEqual(groups.map((g) => [g.name, g.nodeRoleArn]).sort(), [
        ['ng-a', nodeRole],
        ['ng-b', nodeRole],
      ]);
    });

    if (scope.nodegroupsOfUnknownCluster) {
      test('listNodegroups of an unknown cluster is not-found', async () => {
        await assert.rejects(subject.port.listNodegroups(uniqueName('missing')), (err) =>
          isPortError(err, 'not-found'),
        );
      });
    }

    if (!scope.associations) return;

    test('a created association is found once List settles, with its role, and only for its service account', async () => {
      const namespace = uniqueName('ns');
      const created = await subject.port.createPodIdentityAssociation(request(namespace, 'app', uniqueName('t')));
      assert.ok(created.associationId.length > 0);
      const found = await foundOnceSettled(namespace, 'app', 1);
      assert.equal(found[0]?.associationId, created.associationId);
      assert.equal(found[0]?.roleArn, roleArn);
      assert.equal(found[0]?.namespace, namespace);
      assert.equal(found[0]?.serviceAccount, 'app');
      assert.deepEqual(await subject.port.findPodIdentityAssociations(cluster, namespace, 'other'), []);
    });

    // EKS API Reference, DescribePodIdentityAssociation: the association with its tags.
    test('describePodIdentityAssociation returns the association with the tags given on create', async () => {
      const tags = { 'managed-by': 'migrate-identity' };
      const created = await subject.port.createPodIdentityAssociation({
        ...request(uniqueName('ns'), 'app', uniqueName('t')),
        tags,
      });
      const described = await pollUntil(
        'the association in Describe',
        () => subject.port.describePodIdentityAssociation(cluster, created.associationId),
        settle,
      );
      assert.equal(described.roleArn, roleArn);
      assert.deepEqual(described.tags, tags);
      assert.equal(await subject.port.describePodIdentityAssociation(cluster, 'a-0000000000000000x'), undefined);
    });

    // EKS API Reference, PodIdentityAssociation: targetRoleArn, externalId (set with a target
    // role, for its trust's sts:ExternalId), disableSessionTags and policy are reported back.
    test('a target role, disabled session tags and a session policy are reported back', async () => {
      const namespace = uniqueName('ns');
      const fields = {
        targetRoleArn: 'arn:aws:iam::444455556666:role/contract-target',
        disableSessionTags: true,
        policy: POLICY,
      };
      const created = await subject.port.createPodIdentityAssociation({
        ...request(namespace, 'app', uniqueName('t')),
        ...fields,
      });
      const [found] = await foundOnceSettled(namespace, 'app', 1);
      for (const association of [created, found]) {
        assert.equal(association?.targetRoleArn, fields.targetRoleArn);
        assert.equal(association?.disableSessionTags, true);
        assert.equal(association?.policy, fields.policy);
        assert.ok((association?.externalId ?? '').length > 0, 'an external id for the target role');
      }
    });

    // EKS API Reference, CreatePodIdentityAssociation, policy: "disableSessionTags must be set to true".
    test('a session policy with session tags on is refused', async () => {
      const create = subject.port.createPodIdentityAssociation({
        ...request(uniqueName('ns'), 'app', uniqueName('t')),
        policy: POLICY,
      });
      await assert.rejects(create, (err) => isPortError(err, 'validation'));
    });

    // EKS API Reference, CreatePodIdentityAssociation, Errors: InvalidParameterException (400);
    // roleArn must be an IAM role ARN.
    test('a role ARN that is not an IAM role ARN is refused', async () => {
      const create = subject.port.createPodIdentityAssociation({
        ...request(uniqueName('ns'), 'app', uniqueName('t')),
        roleArn: 'arn:aws:iam::111122223333:user/not-a-role',
      });
      await assert.rejects(create, (err) => isPortError(err, 'validation'));
    });

    // EKS API Reference, CreatePodIdentityAssociation, Errors: ResourceNotFoundException (404).
    test('a create in an unknown cluster is not-found', async () => {
      const create = subject.port.createPodIdentityAssociation({
        ...request(uniqueName('ns'), 'app', uniqueName('t')),
        cluster: uniqueName('missing'),
      });
      await assert.rejects(create, (err) => isPortError(err, 'not-found'));
    });

    // EKS answers a second create at once, before List shows the first: 409
    // "ResourceInUseException: Association already exists: a-…" (aws/eks-hybrid#679,
    // eksctl-io/eksctl#7753).
    test('a second create for the same service account is a conflict naming the existing id, at once', async () => {
      const namespace = uniqueName('ns');
      const first = await subject.port.createPodIdentityAssociation(request(namespace, 'app', uniqueName('t')));
      const err = await subject.port.createPodIdentityAssociation(request(namespace, 'app', uniqueName('t'))).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof PortError, `expected a PortError, got ${String(err)}`);
      assert.equal(err.kind, 'conflict');
      assert.equal(err.details.existingId, first.associationId);
      assert.match(err.message, /Association already exists: a-\w+/);
      await foundOnceSettled(namespace, 'app', 1);
    });

    test('a create retried with the same token returns the same association', async () => {
      const namespace = uniqueName('ns');
      const token = uniqueName('t');
      const first = await subject.port.createPodIdentityAssociation(request(namespace, 'app', token));
      const again = await subject.port.createPodIdentityAssociation(request(namespace, 'app', token));
      assert.equal(again.associationId, first.associationId);
      await foundOnceSettled(namespace, 'app', 1);
    });

    test('delete removes the association once List settles; deleting it again is not-found', async () => {
      const namespace = uniqueName('ns');
      const created = await subject.port.createPodIdentityAssociation(request(namespace, 'app', uniqueName('t')));
      await subject.port.deletePodIdentityAssociation(cluster, created.associationId);
      await foundOnceSettled(namespace, 'app', 0);
      await assert.rejects(subject.port.deletePodIdentityAssociation(cluster, created.associationId), (e) =>
        isPortError(e, 'not-found'),
      );
    });

    test('listPodIdentityAssociations lists every association of the cluster, each with its role', async () => {
      const [first, second] = [uniqueName('ns'), uniqueName('ns')];
      const created = [
        await subject.port.createPodIdentityAssociation(request(first, 'app', uniqueName('t'))),
        await subject.port.createPodIdentityAssociation(request(first, 'worker', uniqueName('t'))),
        await subject.port.createPodIdentityAssociation(request(second, 'app', uniqueName('t'))),
      ];
      const ours = (list: PodIdentityAssociation[]) =>
        list
          .filter((a) => a.namespace === first || a.namespace === second)
          .sort((a, b) => a.associationId.localeCompare(b.associationId));
      const listedOnceSettled = (count: number) =>
        pollUntil(
          `${count} of ours in List`,
          async () => {
            const listed = ours(await subject.port.listPodIdentityAssociations(cluster));
            return listed.length === count ? listed : undefined;
          },
          settle,
        );

      const listed = await listedOnceSettled(3);
      assert.deepEqual(
        listed.map((a) => [a.associationId, a.cluster, a.namespace, a.serviceAccount, a.roleArn]),
        created
          .sort((a, b) => a.associationId.localeCompare(b.associationId))
          .map((a) => [a.associationId, cluster, a.namespace, a.serviceAccount, roleArn]),
      );
      // The same associations the per-service-account lookup finds.
      for (const association of listed) {
        assert.deepEqual(
          await subject.port.findPodIdentityAssociations(cluster, association.namespace, association.serviceAccount),
          [association],
        );
      }

      const [gone, ...kept] = listed;
      await subject.port.deletePodIdentityAssociation(cluster, gone!.associationId);
      assert.deepEqual(await listedOnceSettled(2), kept);
    });

    test('listPodIdentityAssociations of a cluster without any is empty; of an unknown cluster, not-found', async () => {
      const empty = await subject.driver.createCluster(uniqueName('contract-empty'));
      assert.deepEqual(await subject.port.listPodIdentityAssociations(empty), []);
      await assert.rejects(subject.port.listPodIdentityAssociations(uniqueName('missing')), (err) =>
        isPortError(err, 'not-found'),
      );
    });

    test('deleting an unknown association id is not-found', async () => {
      await assert.rejects(subject.port.deletePodIdentityAssociation(cluster, 'a-0000000000000000x'), (e) =>
        isPortError(e, 'not-found'),
      );
    });
  });
}

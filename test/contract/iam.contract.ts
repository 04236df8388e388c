import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { oidcProviderArn } from '../../src/domain/trust-policy.js';
import type { PolicyDocument } from '../../src/domain/types.js';
import { isPortError } from '../../src/ports/errors.js';
import type { IamPort } from '../../src/ports/iam.js';
import type { ContractSubject, MakeSubject } from './subject.js';
import { uniqueName } from './subject.js';

/** How the IAM suite puts roles and policies into a backend (the sandbox, moto, a real account). */
export interface IamFixtureDriver {
  /** Creates a role with this trust policy; returns its ARN. */
  createRole(name: string, trustPolicy: PolicyDocument): Promise<string>;
  putInlinePolicy(roleName: string, policyName: string, document: PolicyDocument): Promise<void>;
  /** Creates a customer managed policy, attaches it to the role, returns the policy ARN. */
  attachManagedPolicy(roleName: string, policyName: string, document: PolicyDocument): Promise<string>;
  tagRole(roleName: string, tags: Record<string, string>): Promise<void>;
  /** Creates a customer managed policy and makes it the role's permissions boundary; returns its ARN. */
  setPermissionsBoundary(roleName: string, policyName: string, document: PolicyDocument): Promise<string>;
  /** Registers an OIDC identity provider for an `https://` issuer URL; returns its ARN. */
  createOidcProvider(issuerUrl: string): Promise<string>;
}

const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/C0NTRACT5E5D4633E53DE1B71EXAMPLE';

function irsaTrust(accountId: string, subjects: string | string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${ISSUER}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${ISSUER}:sub`]: subjects, [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
}

const permissions = (action: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
});

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export function runIamContract(name: string, makeSubject: MakeSubject<IamPort, IamFixtureDriver>): void {
  describe(name, () => {
    let subject: ContractSubject<IamPort, IamFixtureDriver>;
    let accountId: string;

    before(async () => {
      subject = await makeSubject();
      // The backend decides the account: learn it from a role it creates.
      const probe = uniqueName('contract-account');
      accountId = accountOf(await subject.driver.createRole(probe, irsaTrust('111122223333', 'x')));
    });
    after(() => subject?.cleanup());

    async function role(subjects: string | string[] = 'system:serviceaccount:shop:orders') {
      const roleName = uniqueName('contract-role');
      const trust = irsaTrust(accountId, subjects);
      const arn = await subject.driver.createRole(roleName, trust);
      return { roleName, trust, arn };
    }

    test('getRole returns the trust policy as created, with the ARN and account', async () => {
      const { roleName, trust, arn } = await role([
        'system:serviceaccount:shop:orders',
        'system:serviceaccount:shop:canary',
      ]);
      const info = await subject.port.getRole(roleName);
      assert.equal(info.name, roleName);
      assert.equal(info.arn, arn);
      assert.match(info.arn, new RegExp(`:role/${roleName}$`));
      assert.equal(info.accountId, accountId);
      assert.deepEqual(info.trustPolicy, trust);
    });

    test('updateTrustPolicy writes the whole document and getRole reads it back', async () => {
      const { roleName, trust } = await role();
      const updated: PolicyDocument = {
        ...trust,
        Statement: [
          ...trust.Statement,
          {
            Sid: 'ContractPodIdentity',
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
          },
        ],
      };
      await subject.port.updateTrustPolicy(roleName, updated);
      assert.deepEqual((await subject.port.getRole(roleName)).trustPolicy, updated);
      await subject.port.updateTrustPolicy(roleName, trust);
      assert.deepEqual((await subject.port.getRole(roleName)).trustPolicy, trust);
    });

    test('a missing role is not-found, for reads and writes', async () => {
      const missing = uniqueName('contract-missing');
      await assert.rejects(subject.port.getRole(missing), (err) => isPortError(err, 'not-found'));
      await assert.rejects(subject.port.updateTrustPolicy(missing, irsaTrust(accountId, 'x')), (err) =>
        isPortError(err, 'not-found'),
      );
      await assert.rejects(subject.port.listRolePolicyDocuments(missing), (err) => isPortError(err, 'not-found'));
    });

    test('a malformed trust policy is refused as validation and leaves the role unchanged', async () => {
      const { roleName, trust } = await role();
      const noStatements = { Version: '2012-10-17' } as unknown as PolicyDocument;
      const badEffect = {
        Version: '2012-10-17',
        Statement: [{ ...trust.Statement[0], Effect: 'Maybe' }],
      } as unknown as PolicyDocument;
      for (const document of [noStatements, badEffect]) {
        await assert.rejects(subject.port.updateTrustPolicy(roleName, document), (err) =>
          isPortError(err, 'validation'),
        );
      }
      assert.deepEqual((await subject.port.getRole(roleName)).trustPolicy, trust);
    });

    // A trust policy may not name a Resource: AWS answers MalformedPolicyDocument "Has
    // prohibited field Resource" (terraform-aws-modules/terraform-aws-eks-pod-identity#34).
    test('a trust statement naming a Resource is malformed and leaves the role unchanged', async () => {
      const { roleName, trust } = await role();
      for (const extra of [{ Resource: '*' }, { NotResource: 'arn:aws:s3:::x' }]) {
        const document = { ...trust, Statement: [{ ...trust.Statement[0], ...extra }] } as PolicyDocument;
        await assert.rejects(
          subject.port.updateTrustPolicy(roleName, document),
          (err) => isPortError(err, 'validation') && /prohibited field Resource/.test(String(err)),
        );
      }
      assert.deepEqual((await subject.port.getRole(roleName)).trustPolicy, trust);
    });

    test('listRolePolicyDocuments returns inline policies and attached managed policies', async () => {
      const { roleName } = await role();
      const inline = permissions('s3:GetObject');
      const managed = permissions('dynamodb:GetItem');
      await subject.driver.putInlinePolicy(roleName, 'data', inline);
      const managedArn = await subject.driver.attachManagedPolicy(roleName, uniqueName('contract-managed'), managed);
      const documents = await subject.port.listRolePolicyDocuments(roleName);
      const bySource = new Map(documents.map((d) => [d.source, d.document]));
      assert.equal(documents.length, 2);
      assert.deepEqual(bySource.get('inline:data'), inline);
      assert.deepEqual(bySource.get(managedArn), managed);
    });

    test('listRolePolicyDocuments of a role without policies is empty', async () => {
      const { roleName } = await role();
      assert.deepEqual(await subject.port.listRolePolicyDocuments(roleName), []);
    });

    test('listRoles lists every role with its trust policy, as getRole reads it', async () => {
      const created = [await role(), await role(['system:serviceaccount:shop:a', 'system:serviceaccount:shop:b'])];
      const listed = await subject.port.listRoles();
      for (const { roleName, arn, trust } of created) {
        const found = listed.find((r) => r.name === roleName);
        assert.deepEqual(found, { arn, name: roleName, accountId, trustPolicy: trust });
        assert.deepEqual(found, await subject.port.getRole(roleName));
      }
      assert.equal(new Set(listed.map((r) => r.arn)).size, listed.length, 'each role once');
    });

    test('listRolesPage walks the same roles as listRoles, page by page, each once, none over maxItems', async () => {
      await role();
      await role();
      await role();
      const all = (await subject.port.listRoles()).map((r) => r.arn).sort();
      const walked: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await subject.port.listRolesPage({ maxItems: 2, ...(marker === undefined ? {} : { marker }) });
        assert.ok(page.roles.length <= 2, `page ${pages}: ${page.roles.length} roles`);
        walked.push(...page.roles.map((r) => r.arn));
        marker = page.marker;
        pages += 1;
      } while (marker !== undefined && pages < 1000);
      assert.deepEqual(walked.sort(), all);
      assert.ok(pages >= 2, 'more roles than one page: at least two pages');
      const first = await subject.port.listRolesPage();
      const listed = await subject.port.listRoles();
      assert.deepEqual(
        first.roles[0],
        listed.find((r) => r.arn === first.roles[0]?.arn),
        'the same role as listRoles reads it',
      );
    });

    test('listRoleTags returns the tags; an untagged role has none; a missing role is not-found', async () => {
      const tagged = await role();
      const tags = { team: 'payments', 'cost-center': '42', 'migrate-identity/owner': 'platform' };
      await subject.driver.tagRole(tagged.roleName, tags);
      assert.deepEqual(await subject.port.listRoleTags(tagged.roleName), tags);
      assert.deepEqual(await subject.port.listRoleTags((await role()).roleName), {});
      await assert.rejects(subject.port.listRoleTags(uniqueName('contract-missing')), (err) =>
        isPortError(err, 'not-found'),
      );
    });

    test('getRole names the permissions boundary, getPolicyDocument reads it; ListRoles never carries it', async () => {
      const bounded = await role();
      const boundary = permissions('s3:*');
      const arn = await subject.driver.setPermissionsBoundary(
        bounded.roleName,
        uniqueName('contract-boundary'),
        boundary,
      );
      const info = await subject.port.getRole(bounded.roleName);
      assert.equal(info.permissionsBoundaryArn, arn);
      assert.deepEqual(await subject.port.getPolicyDocument(arn), boundary);
      // IAM's ListRoles leaves PermissionsBoundary out (IAM API Reference, ListRoles).
      const listed = (await subject.port.listRoles()).find((r) => r.name === bounded.roleName);
      assert.equal(listed?.permissionsBoundaryArn, undefined);
      assert.equal((await subject.port.getRole((await role()).roleName)).permissionsBoundaryArn, undefined);
      await assert.rejects(
        subject.port.getPolicyDocument(`arn:aws:iam::${accountId}:policy/${uniqueName('nope')}`),
        (err) => isPortError(err, 'not-found'),
      );
    });

    test('listOpenIdConnectProviders names each provider by ARN and by the issuer trust conditions use', async () => {
      const id = uniqueName('ID').replaceAll('-', '').toUpperCase();
      const hostPath = `oidc.eks.us-east-1.amazonaws.com/id/${id}`;
      const arn = await subject.driver.createOidcProvider(`https://${hostPath}`);
      assert.equal(arn, `arn:aws:iam::${accountId}:oidc-provider/${hostPath}`);
      const providers = await subject.port.listOpenIdConnectProviders();
      assert.deepEqual(
        providers.filter((p) => p.arn === arn),
        [{ arn, issuerHostPath: hostPath }],
      );
      // A trust statement for this issuer names exactly this ARN as its Federated principal.
      assert.equal(oidcProviderArn(accountId, `https://${hostPath}`), arn);
    });
  });
}

import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import type { PolicyDocument } from '../../domain/types.js';
import type { NamedPolicyDocument, RoleInfo } from '../../domain/iam.js';
import type { IamPort } from '../../ports/iam.js';
import { PortError } from '../../ports/errors.js';
import { mapAwsError } from './errors.js';
import { collectPages } from './pages.js';
import { decodePolicyDocument } from './policy-document.js';
import { simulate } from './policy-simulation.js';

export interface IamAdapterOptions {
  /** `MaxItems` of each list page. Default: the service's (100). */
  pageSize?: number;
}

export function createIamAdapter(client: IAMClient, options: IamAdapterOptions = {}): IamPort {
  const maxItems = options.pageSize === undefined ? {} : { MaxItems: options.pageSize };

  async function call<T>(context: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw mapAwsError(err, `IAM ${context}`);
    }
  }

  async function getPolicyVersionDocument(policyArn: string): Promise<PolicyDocument> {
    const { Policy: policy } = await client.send(new GetPolicyCommand({ PolicyArn: policyArn }));
    const versionId = policy?.DefaultVersionId;
    if (versionId === undefined) throw new Error(`policy ${policyArn} has no default version`);
    const { PolicyVersion: version } = await client.send(
      new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId }),
    );
    return decode(version?.Document, `policy ${policyArn} version ${versionId}`);
  }

  return {
    getRole: (roleName) =>
      call(`GetRole ${roleName}`, async () => {
        const { Role: role } = await client.send(new GetRoleCommand({ RoleName: roleName }));
        if (role === undefined) throw new Error('the response has no role');
        return toRoleInfo(role, roleName);
      }),

    updateTrustPolicy: (roleName, document) =>
      call(`UpdateAssumeRolePolicy ${roleName}`, async () => {
        await client.send(
          new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(document) }),
        );
      }),

    listRolePolicyDocuments: (roleName) =>
      call(`policies of role ${roleName}`, async () => {
        const inlineNames = await collectPages(async (marker) => {
          const page = await client.send(
            new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker, ...maxItems }),
          );
          return { items: page.PolicyNames ?? [], next: page.IsTruncated === true ? page.Marker : undefined };
        });
        const attached = await collectPages(async (marker) => {
          const page = await client.send(
            new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker, ...maxItems }),
          );
          return { items: page.AttachedPolicies ?? [], next: page.IsTruncated === true ? page.Marker : undefined };
        });
        const documents: NamedPolicyDocument[] = [];
        for (const policyName of inlineNames) {
          const { PolicyDocument: encoded } = await client.send(
            new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
          );
          documents.push({ source: `inline:${policyName}`, document: decode(encoded, `inline policy ${policyName}`) });
        }
        for (const { PolicyArn: policyArn } of attached) {
          if (policyArn === undefined) continue;
          documents.push({ source: policyArn, document: await getPolicyVersionDocument(policyArn) });
        }
        return documents;
      }),

    getPolicyDocument: (policyArn) => call(`policy ${policyArn}`, () => getPolicyVersionDocument(policyArn)),

    listRoles: () =>
      call('ListRoles', async () => {
        const roles = await collectPages(async (marker) => {
          const page = await client.send(new ListRolesCommand({ Marker: marker, ...maxItems }));
          return { items: page.Roles ?? [], next: page.IsTruncated === true ? page.Marker : undefined };
        });
        return roles.map((role) => toRoleInfo(role, role.RoleName ?? ''));
      }),

    listRolesPage: ({ marker, maxItems: pageSize } = {}) =>
      call('ListRoles', async () => {
        const page = await client.send(
          new ListRolesCommand({ Marker: marker, ...(pageSize === undefined ? maxItems : { MaxItems: pageSize }) }),
        );
        const roles = (page.Roles ?? []).map((role) => toRoleInfo(role, role.RoleName ?? ''));
        return page.IsTruncated === true && page.Marker !== undefined ? { roles, marker: page.Marker } : { roles };
      }),

    listRoleTags: (roleName) =>
      call(`ListRoleTags ${roleName}`, async () => {
        const tags = await collectPages(async (marker) => {
          const page = await client.send(new ListRoleTagsCommand({ RoleName: roleName, Marker: marker, ...maxItems }));
          return { items: page.Tags ?? [], next: page.IsTruncated === true ? page.Marker : undefined };
        });
        return Object.fromEntries(tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
      }),

    // The provider ARN ends in the issuer's host and path, which is all a trust statement
    // names, so there is no GetOpenIDConnectProvider per provider. IAM does not page this list.
    listOpenIdConnectProviders: () =>
      call('ListOpenIDConnectProviders', async () => {
        const { OpenIDConnectProviderList: providers } = await client.send(new ListOpenIDConnectProvidersCommand({}));
        return (providers ?? []).flatMap(({ Arn: arn }) => {
          const issuer = arn === undefined ? undefined : /:oidc-provider\/(.+)$/.exec(arn)?.[1];
          return arn === undefined || issuer === undefined ? [] : [{ arn, issuerHostPath: issuer }];
        });
      }),

    simulatePrincipalPolicy: (request) =>
      call(`SimulatePrincipalPolicy ${request.policySourceArn}`, () => simulate(client, request, maxItems)),
  };
}

function toRoleInfo(role: Role, roleName: string): RoleInfo {
  if (role.Arn === undefined) throw new Error(`role ${roleName}: the response has no ARN`);
  return {
    arn: role.Arn,
    name: role.RoleName ?? roleName,
    accountId: role.Arn.split(':')[4] ?? '',
    trustPolicy: decode(role.AssumeRolePolicyDocument, `trust policy of role ${roleName}`),
    ...(role.PermissionsBoundary?.PermissionsBoundaryArn !== undefined && {
      permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn,
    }),
  };
}

function decode(encoded: string | undefined, what: string): PolicyDocument {
  if (encoded === undefined) throw new Error(`${what}: no document in the response`);
  try {
    return decodePolicyDocument(encoded);
  } catch (err) {
    // AWS returned something we cannot read: retrying will not change it.
    throw new PortError('validation', `${what} is not a readable policy document: ${String(err)}`, { cause: err });
  }
}

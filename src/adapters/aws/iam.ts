import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { PolicyDocument } from '../../domain/types.js';
import type { NamedPolicyDocument, RoleInfo } from '../../domain/iam.js';
import type { IamPort } from '../../ports/iam.js';
import { PortError } from '../../ports/errors.js';
import { mapAwsError } from './errors.js';
import { collectPages } from './pages.js';
import { decodePolicyDocument } from './policy-document.js';

export function createIamAdapter(client: IAMClient): IamPort {
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
        if (role?.Arn === undefined) throw new Error('the response has no role');
        return {
          arn: role.Arn,
          name: role.RoleName ?? roleName,
          accountId: role.Arn.split(':')[4] ?? '',
          trustPolicy: decode(role.AssumeRolePolicyDocument, `trust policy of role ${roleName}`),
        } satisfies RoleInfo;
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
          const page = await client.send(new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
          return { items: page.PolicyNames ?? [], next: page.IsTruncated === true ? page.Marker : undefined };
        });
        const attached = await collectPages(async (marker) => {
          const page = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
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

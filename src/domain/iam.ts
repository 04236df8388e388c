import type { PolicyDocument } from './types.js';

/** What IAM answers about a role. */
export interface RoleInfo {
  arn: string;
  name: string;
  /** Account id taken from the ARN. */
  accountId: string;
  trustPolicy: PolicyDocument;
  /** The managed policy that bounds the role's permissions (GetRole only: ListRoles never returns it). */
  permissionsBoundaryArn?: string;
}

export interface NamedPolicyDocument {
  /** `inline:<name>` or the managed policy ARN. */
  source: string;
  document: PolicyDocument;
}

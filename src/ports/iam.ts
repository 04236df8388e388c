import type { PolicyDocument } from '../domain/types.js';

export interface RoleInfo {
  arn: string;
  name: string;
  /** Account id taken from the ARN. */
  accountId: string;
  trustPolicy: PolicyDocument;
}

export interface NamedPolicyDocument {
  /** `inline:<name>` or the managed policy ARN. */
  source: string;
  document: PolicyDocument;
}

/** IAM for the role's account. Errors are `PortError`s (see `errors.ts`). */
export interface IamPort {
  /** `roleName` is the last path segment of the role ARN. Throws `not-found`. */
  getRole(roleName: string): Promise<RoleInfo>;
  /** Writes the whole trust policy (UpdateAssumeRolePolicy). Throws `validation` for a malformed document. */
  updateTrustPolicy(roleName: string, document: PolicyDocument): Promise<void>;
  /** Inline policies and the default version of every attached managed policy. */
  listRolePolicyDocuments(roleName: string): Promise<NamedPolicyDocument[]>;
}

import type { NamedPolicyDocument, RoleInfo } from '../domain/iam.js';
import type { PolicyDocument } from '../domain/types.js';

/** IAM for the role's account. Errors are `PortError`s (see `errors.ts`). */
export interface IamPort {
  /** `roleName` is the last path segment of the role ARN. Throws `not-found`. */
  getRole(roleName: string): Promise<RoleInfo>;
  /** Writes the whole trust policy (UpdateAssumeRolePolicy). Throws `validation` for a malformed document. */
  updateTrustPolicy(roleName: string, document: PolicyDocument): Promise<void>;
  /** Inline policies and the default version of every attached managed policy. */
  listRolePolicyDocuments(roleName: string): Promise<NamedPolicyDocument[]>;
}

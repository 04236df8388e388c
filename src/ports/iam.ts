import type { OidcProviderInfo } from '../domain/fleet.js';
import type { NamedPolicyDocument, RoleInfo } from '../domain/iam.js';
import type { PolicyDocument } from '../domain/types.js';
import type { SimulationRequest, SimulationResult } from '../domain/policy-simulation.js';

export interface RolesPage {
  roles: RoleInfo[];
  /** Where the next page starts; absent on the last page. */
  marker?: string;
}

/** IAM for the role's account. Errors are `PortError`s (see `errors.ts`). */
export interface IamPort {
  /** `roleName` is the last path segment of the role ARN. Throws `not-found`. */
  getRole(roleName: string): Promise<RoleInfo>;
  /** Writes the whole trust policy (UpdateAssumeRolePolicy). Throws `validation` for a malformed document. */
  updateTrustPolicy(roleName: string, document: PolicyDocument): Promise<void>;
  /** Inline policies and the default version of every attached managed policy. */
  listRolePolicyDocuments(roleName: string): Promise<NamedPolicyDocument[]>;
  /** The default version of a managed policy (a permissions boundary, say). Throws `not-found`. */
  getPolicyDocument(policyArn: string): Promise<PolicyDocument>;
  /** Every role of the account with its trust policy, over all pages (ListRoles carries no tags). */
  listRoles(): Promise<RoleInfo[]>;
  /**
   * One ListRoles page from `marker` (`maxItems`: IAM's default 100, at most 1,000), and the
   * marker of the next page while IAM says the list is truncated. IAM may return fewer
   * roles than `maxItems` with more to come: only a returned `marker` says there is more.
   */
  listRolesPage(request?: { marker?: string; maxItems?: number }): Promise<RolesPage>;
  /** The role's tags, over all pages. Throws `not-found`. */
  listRoleTags(roleName: string): Promise<Record<string, string>>;
  /** The account's OIDC identity providers: what a trust statement's `Federated` principal must name. */
  listOpenIdConnectProviders(): Promise<OidcProviderInfo[]>;
  /**
   * `iam:SimulatePrincipalPolicy` on the role's own policies, with the given context entries
   * (session tags): one result per action and resource, over all pages. Throws `not-found`.
   */
  simulatePrincipalPolicy(request: SimulationRequest): Promise<SimulationResult[]>;
}

/**
 * Role-level facts behind `preflightRole` beyond the role itself: whom the Pod Identity
 * trust is scoped to, what decides which `aws:PrincipalTag/` keys the role's sessions
 * carry, and the trust of a target role.
 */
import type { NamedPolicyDocument, RoleInfo } from '../src/domain/iam.js';
import { parseRoleArn } from '../src/domain/names.js';
import type { PodIdentityTrustScope } from '../src/domain/trust-policy.js';
import type { Finding, PolicyDocument, ServiceAccountRef } from '../src/domain/types.js';
import { readOrFinding } from './cluster-facts.js';
import type { ActivityDeps } from './deps.js';

export interface TrustScopeRequest {
  serviceAccount: ServiceAccountRef;
  /** The run's clusters' ARNs, from their preflight; none (older callers): unscoped. */
  clusterArns?: string[];
  unscopedTrust?: boolean;
  disableSessionTags?: boolean;
}

/**
 * Whom the Pod Identity statement should admit: this service account in these clusters,
 * unless the user opted out or session tags are off (no request tags to test then).
 */
export function trustScope(request: TrustScopeRequest, findings: Finding[]): PodIdentityTrustScope | undefined {
  if (request.unscopedTrust) {
    findings.push({
      severity: 'info',
      code: 'trust-unscoped',
      message:
        'the Pod Identity trust statement will have no conditions (--unscoped-trust): every Pod Identity association in the account that names the role can use it',
    });
    return undefined;
  }
  if (request.disableSessionTags) {
    findings.push({
      severity: 'warning',
      code: 'trust-unscoped',
      message:
        'session tags are disabled (--disable-session-tags), so EKS sends no request tags to scope the trust by: the Pod Identity statement will trust every association in the account that names the role',
    });
    return undefined;
  }
  const clusterArns = (request.clusterArns ?? []).filter((arn) => arn !== '');
  if (clusterArns.length === 0) return undefined;
  return { namespace: request.serviceAccount.namespace, serviceAccount: request.serviceAccount.name, clusterArns };
}

/**
 * The policies whose `aws:PrincipalTag/` keys must exist, and the role's tags, which are
 * principal tags of its sessions too: the role's inline and managed policies, and its
 * permissions boundary (a boundary that reads a missing tag denies just as well). A read
 * refused for good is a blocking finding, like the role's own.
 */
export async function readPrincipalTagSources(
  deps: Pick<ActivityDeps, 'iam'>,
  role: RoleInfo,
  findings: Finding[],
): Promise<PrincipalTagSources> {
  const read = <T>(what: string, fn: () => Promise<T>) => readOrFinding(findings, undefined, what, fn);
  const boundaryArn = role.permissionsBoundaryArn;
  const [documents, roleTags, boundary] = await Promise.all([
    read(`policies of role ${role.name}`, () => deps.iam.listRolePolicyDocuments(role.name)),
    read(`tags of role ${role.name}`, () => deps.iam.listRoleTags(role.name)),
    boundaryArn === undefined
      ? undefined
      : read(`permissions boundary ${boundaryArn} of role ${role.name}`, () => deps.iam.getPolicyDocument(boundaryArn)),
  ]);
  const bounds =
    boundary === undefined ? undefined : { source: `permissions boundary ${boundaryArn ?? ''}`, document: boundary };
  return {
    documents: [...(documents ?? []), ...(bounds === undefined ? [] : [bounds])],
    roleTags: roleTags ?? {},
    ...(documents !== undefined && { policies: documents }),
    ...(bounds !== undefined && { boundary: bounds }),
  };
}

export interface PrincipalTagSources {
  /** The role's policies and its permissions boundary: every document that reads principal tags. */
  documents: NamedPolicyDocument[];
  roleTags: Record<string, string>;
  /** The role's inline and attached policies alone; absent when they could not be read. */
  policies?: NamedPolicyDocument[];
  boundary?: NamedPolicyDocument;
}

/**
 * The trust policy of a target role in the role's own account, the only one this IAM port
 * reads; undefined for one in another account (or unreadable, with a finding).
 */
export async function readTargetTrust(
  deps: Pick<ActivityDeps, 'iam'>,
  roleArn: string,
  targetRoleArn: string,
  findings: Finding[],
): Promise<PolicyDocument | undefined> {
  const target = parseRoleArn(targetRoleArn);
  if (target.accountId !== parseRoleArn(roleArn).accountId) return undefined;
  const role = await readOrFinding(findings, undefined, `target role ${target.roleName}`, () =>
    deps.iam.getRole(target.roleName),
  );
  return role?.trustPolicy;
}

/**
 * Role-level reads behind `preflightRole` beyond the role itself: the clusters' ARNs the
 * Pod Identity trust is scoped to, and what decides which `aws:PrincipalTag/` keys the
 * role's sessions carry.
 */
import type { NamedPolicyDocument, RoleInfo } from '../src/domain/iam.js';
import type { PodIdentityTrustScope } from '../src/domain/trust-policy.js';
import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { PortError } from '../src/ports/errors.js';
import { readOrFinding } from './cluster-facts.js';
import type { ActivityDeps } from './deps.js';

export interface TrustScopeRequest {
  serviceAccount: ServiceAccountRef;
  /** The run's clusters; none (older callers): unscoped. */
  clusters?: string[];
  unscopedTrust?: boolean;
  disableSessionTags?: boolean;
}

/**
 * Whom the Pod Identity statement should admit: this service account in these clusters,
 * unless the user opted out or session tags are off (no request tags to test then). A
 * cluster that cannot be described is left out: its own preflight blocks the run.
 */
export async function readTrustScope(
  deps: Pick<ActivityDeps, 'eks'>,
  request: TrustScopeRequest,
  findings: Finding[],
): Promise<PodIdentityTrustScope | undefined> {
  const clusters = request.clusters ?? [];
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
  if (clusters.length === 0) return undefined;
  const arns = await Promise.all(
    clusters.map(async (cluster) => {
      try {
        return (await deps.eks.describeCluster(cluster)).arn;
      } catch (err) {
        if (err instanceof PortError && !err.retryable) return undefined;
        throw err;
      }
    }),
  );
  const clusterArns = arns.filter((arn): arn is string => arn !== undefined && arn !== '');
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
): Promise<{ documents: NamedPolicyDocument[]; roleTags: Record<string, string> }> {
  const read = <T>(what: string, fn: () => Promise<T>) => readOrFinding(findings, undefined, what, fn);
  const boundaryArn = role.permissionsBoundaryArn;
  const [documents, roleTags, boundary] = await Promise.all([
    read(`policies of role ${role.name}`, () => deps.iam.listRolePolicyDocuments(role.name)),
    read(`tags of role ${role.name}`, () => deps.iam.listRoleTags(role.name)),
    boundaryArn === undefined
      ? undefined
      : read(`permissions boundary ${boundaryArn} of role ${role.name}`, () => deps.iam.getPolicyDocument(boundaryArn)),
  ]);
  return {
    documents: [
      ...(documents ?? []),
      ...(boundary === undefined ? [] : [{ source: `permissions boundary ${boundaryArn ?? ''}`, document: boundary }]),
    ],
    roleTags: roleTags ?? {},
  };
}

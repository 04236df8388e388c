/**
 * Role-level reads behind `preflightRole` beyond the role itself: the clusters' ARNs the
 * Pod Identity trust is scoped to.
 */
import type { PodIdentityTrustScope } from '../src/domain/trust-policy.js';
import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { PortError } from '../src/ports/errors.js';
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

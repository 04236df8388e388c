/**
 * How many sequential API round trips the real adapters make for a port call, so a sandbox
 * with latency (`MIGRATE_IDENTITY_SANDBOX_LATENCY_MS`) answers as slowly as AWS and
 * Kubernetes would: list calls page, and EKS describes every association it lists.
 */

/** The Kubernetes adapter's list page (`limit`). */
const KUBERNETES_PAGE = 500;
/** ListPodIdentityAssociations and IAM list pages (the services' default `maxResults`/`MaxItems`). */
const AWS_PAGE = 100;
/** DescribePodIdentityAssociation calls the EKS adapter keeps in flight. */
const DESCRIBE_CONCURRENCY = 4;

const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

export function roundTrips(operation: string, result: unknown): number {
  const items = Array.isArray(result) ? result.length : 0;
  switch (operation) {
    case 'listServiceAccounts':
    case 'listAllWorkloads':
    case 'listAllPods':
    case 'listJobs':
    case 'listPods':
    case 'listWorkloads':
      return pages(items, KUBERNETES_PAGE);
    case 'listPodIdentityAssociations':
    case 'findPodIdentityAssociations':
      // List has no role ARN: each association is described, a few at a time.
      return pages(items, AWS_PAGE) + Math.ceil(items / DESCRIBE_CONCURRENCY);
    case 'listRoles':
      return pages(items, AWS_PAGE);
    case 'listRolePolicyDocuments':
      // ListRolePolicies and ListAttachedRolePolicies, then each document.
      return 2 + items;
    default:
      return 1;
  }
}

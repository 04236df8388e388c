import type { ClusterFacts } from './cluster-checks.js';
import type { ClusterInventory, ClusterWideFacts, ServiceAccountFacts } from './fleet.js';
import type { ServiceAccountRef } from './types.js';

/**
 * One service account's facts cut out of a cluster-wide listing: what preflight's own
 * per-service-account reads would have returned, so a scan evaluates every service
 * account of a cluster with `evaluateCluster` after a handful of list calls.
 */
export function serviceAccountFactsIn(inventory: ClusterInventory, sa: ServiceAccountRef): ServiceAccountFacts {
  const here = (o: { namespace: string }) => o.namespace === sa.namespace;
  return {
    serviceAccount: inventory.serviceAccounts.find((s) => here(s) && s.name === sa.name),
    workloads: inventory.workloads.filter((w) => here(w.ref) && w.serviceAccount === sa.name),
    pods: inventory.pods.filter((p) => here(p) && p.serviceAccount === sa.name),
    ...(inventory.jobs === undefined
      ? {}
      : { jobs: inventory.jobs.filter((j) => here(j) && j.serviceAccount === sa.name) }),
    existingAssociations: inventory.associations.filter((a) => here(a) && a.serviceAccount === sa.name),
  };
}

/** The facts `evaluateCluster` checks, for moving the service account to `roleArn`. */
export function clusterFacts(wide: ClusterWideFacts, own: ServiceAccountFacts, roleArn: string): ClusterFacts {
  return { ...wide, ...own, roleArn };
}

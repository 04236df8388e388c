/**
 * The role reuse check of preflight: every association of the role across the fleet, and,
 * where the role is shared or its policies read principal tags, IAM's simulator on the
 * intended service account and on each foreign one (src/domain/role-reuse.ts).
 */
import type { NamedPolicyDocument } from '../src/domain/iam.js';
import { parseRoleArn } from '../src/domain/names.js';
import {
  judgeRoleReuse,
  needsSimulation,
  rowOf,
  sessionTagContext,
  simulationTargets,
  type ReuseSubject,
  type RoleReuseReport,
  type RoleUser,
} from '../src/domain/role-reuse.js';
import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { isPortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';

/** Foreign service accounts simulated at most: enough to show the blast radius, bounded for IAM. */
const MAX_FOREIGN = 5;

export async function associationsOfRole(
  deps: ActivityDeps,
  clusters: string[],
  runsAs: string,
  intended: ServiceAccountRef,
): Promise<{ sharedWith: RoleUser[]; unreadClusters: string[] }> {
  const sharedWith: RoleUser[] = [];
  const unreadClusters: string[] = [];
  await Promise.all(
    clusters.map(async (cluster) => {
      try {
        for (const a of await deps.eks.listPodIdentityAssociations(cluster)) {
          // Its pods get the target role's credentials when it has one (role chaining).
          if ((a.targetRoleArn ?? a.roleArn) !== runsAs || a.ownerArn !== undefined) continue;
          if (a.namespace === intended.namespace && a.serviceAccount === intended.name) continue;
          sharedWith.push({
            cluster,
            namespace: a.namespace,
            serviceAccount: a.serviceAccount,
            associationId: a.associationId,
          });
        }
      } catch (err) {
        // A cluster that is not there has no associations; any other failure leaves a doubt.
        if (!isPortError(err, 'not-found')) unreadClusters.push(cluster);
      }
    }),
  );
  const order = (u: RoleUser) => `${u.cluster}/${u.namespace}/${u.serviceAccount}`;
  return {
    sharedWith: sharedWith.sort((a, b) => order(a).localeCompare(order(b))),
    unreadClusters: unreadClusters.sort(),
  };
}

export function roleReuseActivities(deps: ActivityDeps) {
  return {
    /**
     * Read-only. Findings: `shared-role-foreign-allowed` (blocking; a warning once accepted),
     * `principal-tag-denies` (blocking), `role-associations-unread` (warning). Throttling and
     * 5xx are thrown for the retry policy; a role IAM cannot show is preflightRole's finding.
     */
    async checkRoleReuse(input: {
      roleArn: string;
      /**
       * `--target-role`: the pods run as this role, so its policies are the ones simulated and
       * every association whose pods run as it shares it.
       */
      targetRoleArn?: string;
      serviceAccount: ServiceAccountRef;
      clusters: string[];
      /** EKS cluster ARNs preflight read (the `eks-cluster-arn` tag); a cluster not listed goes without. */
      clusterArns?: Record<string, string>;
      acceptSharedRole?: boolean;
      requestedBy: string;
    }): Promise<{ findings: Finding[]; report: RoleReuseReport }> {
      const { roleArn, serviceAccount: sa } = input;
      const runsAs = input.targetRoleArn ?? roleArn;
      const { roleName } = parseRoleArn(runsAs);
      const fleet = deps.fleetClusters ?? input.clusters;
      const { sharedWith, unreadClusters } = await associationsOfRole(deps, fleet, runsAs, sa);
      const report: RoleReuseReport = {
        roleArn,
        ...(input.targetRoleArn !== undefined && { targetRoleArn: input.targetRoleArn }),
        sharedWith,
        unreadClusters,
        simulated: { pairs: [], notSimulated: [] },
        matrix: [],
        ...(input.acceptSharedRole ? { accepted: { by: input.requestedBy } } : {}),
      };
      let documents: NamedPolicyDocument[];
      try {
        documents = await deps.iam.listRolePolicyDocuments(roleName);
      } catch (err) {
        if (isPortError(err) && !err.retryable) return { findings: judgeRoleReuse(report, []), report };
        throw err;
      }
      if (!needsSimulation(documents, sharedWith)) return { findings: judgeRoleReuse(report, documents), report };

      const roleTags = await deps.iam.listRoleTags(roleName).catch(() => ({}));
      // No DescribeCluster here: preflight read the ARNs; the EKS name is the fleet file's.
      const contextOf = (subject: ReuseSubject) => {
        const arn = input.clusterArns?.[subject.cluster];
        const name = deps.eksClusterName?.(subject.cluster) ?? subject.cluster;
        return sessionTagContext(subject, { name, ...(arn ? { arn } : {}) }, roleTags);
      };
      const intended: ReuseSubject = {
        cluster: input.clusters[0] ?? fleet[0] ?? '',
        namespace: sa.namespace,
        serviceAccount: sa.name,
        intended: true,
      };
      const foreign: ReuseSubject[] = sharedWith
        .filter(
          (u, i, all) =>
            all.findIndex((o) => o.namespace === u.namespace && o.serviceAccount === u.serviceAccount) === i,
        )
        .slice(0, MAX_FOREIGN)
        .map((u) => ({
          cluster: u.cluster,
          namespace: u.namespace,
          serviceAccount: u.serviceAccount,
          intended: false,
        }));
      report.simulated = simulationTargets(documents, contextOf(intended));
      const { pairs } = report.simulated;
      if (pairs.length > 0) {
        const actions = [...new Set(pairs.map((p) => p.action))];
        const resources = [...new Set(pairs.map((p) => p.resource))];
        for (const subject of [intended, ...foreign]) {
          const results = await deps.iam.simulatePrincipalPolicy({
            policySourceArn: runsAs,
            actions,
            resources,
            context: contextOf(subject),
          });
          report.matrix.push(rowOf(subject, pairs, results));
        }
      }
      return { findings: judgeRoleReuse(report, documents), report };
    },
  };
}

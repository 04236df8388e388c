/**
 * The observation phase's reads (issue 8 §5): the service account's credential errors and
 * STS profile in CloudTrail over a window, its pods' health, whether the run's rollback
 * note still applies, and the role's associations (a new one re-runs the reuse check).
 * Read-only, every one.
 */
import { parseRoleArn } from '../src/domain/names.js';
import {
  workloadHealth,
  type ObservationOptions,
  type RollbackReadiness,
  type WorkloadHealth,
} from '../src/domain/observation.js';
import type { RoleUser } from '../src/domain/role-reuse.js';
import { issuerHostPath, restoreIrsaTrust, trustPolicySize, federatedIssuers } from '../src/domain/trust-policy.js';
import type { PolicyStatement, ServiceAccountRef } from '../src/domain/types.js';
import { isPortError } from '../src/ports/errors.js';
import {
  credentialWindow,
  type CredentialWindow,
  type CredentialWindowResult,
  type Unavailable,
} from './cloudtrail-lookup.js';
import type { ActivityDeps } from './deps.js';
import { associationsOfRole } from './role-reuse.js';

/** IAM's default trust-policy length quota ("IAM and AWS STS quotas", role trust policy length). */
const DEFAULT_TRUST_LIMIT = 2048;

export function observationActivities(deps: ActivityDeps) {
  return {
    /** The worker's fleet's defaults for what a run's input leaves unset (recorded in the run's history). */
    async observationDefaults(): Promise<Partial<ObservationOptions>> {
      return Promise.resolve({ ...deps.observationDefaults });
    },

    /** Credential errors and the STS profile over a window (a sample's, or the baseline before the migration). */
    async observeCredentials(input: CredentialWindow): Promise<CredentialWindowResult | Unavailable> {
      return credentialWindow(deps, input);
    },

    /** The service account's pods per cluster, by workload; a cluster that cannot be read says why. */
    async observePods(input: {
      serviceAccount: ServiceAccountRef;
      clusters: string[];
    }): Promise<Record<string, { workloads: WorkloadHealth[] } | { unread: string }>> {
      const sa = input.serviceAccount;
      const out: Record<string, { workloads: WorkloadHealth[] } | { unread: string }> = {};
      for (const cluster of input.clusters) {
        try {
          out[cluster] = { workloads: workloadHealth(await deps.kubernetes.listPods(cluster, sa.namespace, sa.name)) };
        } catch (err) {
          if (isPortError(err) && err.retryable) throw err;
          out[cluster] = { unread: err instanceof Error ? err.message : String(err) };
        }
      }
      return out;
    },

    /**
     * Whether the rollback note still applies per cluster: the cluster still has the OIDC
     * issuer the note's trust names, IAM still has its OIDC provider, the role of the saved
     * annotation still exists, and the IRSA trust cleanup removed would fit the trust policy
     * again (its size quota).
     */
    async rollbackReadiness(input: {
      roleArn: string;
      clusters: { cluster: string; issuer?: string; previousAnnotation: string | null }[];
      removedIrsaTrust: PolicyStatement[];
    }): Promise<Record<string, RollbackReadiness>> {
      const providers = new Set(
        (await deps.iam.listOpenIdConnectProviders()).map((p) => p.issuerHostPath.toLowerCase()),
      );
      const role = await deps.iam.getRole(parseRoleArn(input.roleArn).roleName);
      const limit = deps.trustPolicyLimit ?? DEFAULT_TRUST_LIMIT;
      const restored = restoreIrsaTrust(role.trustPolicy, input.removedIrsaTrust);
      const size = trustPolicySize(restored);
      const out: Record<string, RollbackReadiness> = {};
      for (const c of input.clusters) {
        const problems: string[] = [];
        const info = await deps.eks.describeCluster(c.cluster);
        if (c.issuer && info.oidcIssuer && issuerHostPath(info.oidcIssuer) !== issuerHostPath(c.issuer)) {
          problems.push(
            `the cluster's OIDC issuer is now ${info.oidcIssuer}, not ${c.issuer}: the saved IRSA trust names the old one`,
          );
        }
        if (c.issuer && !providers.has(issuerHostPath(c.issuer).toLowerCase())) {
          problems.push(
            `IAM has no OIDC provider for ${issuerHostPath(c.issuer)} any more: IRSA cannot get credentials here`,
          );
        }
        const annotated = c.previousAnnotation;
        if (annotated) {
          const name = annotated.split('/').pop() ?? annotated;
          const ownAccount = parseRoleArn(input.roleArn).accountId === parseRoleArn(annotated).accountId;
          if (ownAccount && name !== role.name) {
            try {
              await deps.iam.getRole(name);
            } catch (err) {
              if (!isPortError(err, 'not-found')) throw err;
              problems.push(`the role of the saved annotation, ${annotated}, no longer exists`);
            }
          }
        }
        const mine = input.removedIrsaTrust.filter((s) =>
          c.issuer ? federatedIssuers(s).includes(issuerHostPath(c.issuer)) : false,
        );
        if (mine.length > 0 && size > limit) {
          problems.push(
            `putting the IRSA trust back would make the trust policy ${size} characters, over the quota of ${limit}`,
          );
        }
        out[c.cluster] = { ready: problems.length === 0, problems };
      }
      return out;
    },

    /** The role's associations for other service accounts across the fleet (what the reuse check starts from). */
    async roleAssociations(input: {
      roleArn: string;
      targetRoleArn?: string;
      serviceAccount: ServiceAccountRef;
      clusters: string[];
    }): Promise<{ users: RoleUser[]; unreadClusters: string[] }> {
      const { sharedWith, unreadClusters } = await associationsOfRole(
        deps,
        deps.fleetClusters ?? input.clusters,
        input.targetRoleArn ?? input.roleArn,
        input.serviceAccount,
      );
      return { users: sharedWith, unreadClusters };
    },
  };
}

/**
 * `diagnose <ns>/<sa>`: per cluster, preflight's reads for the service account (and the
 * namespace's listing the drift rules read); IAM for the roles in use; the verification pod.
 * Read-only but for the pod, which is always deleted.
 */
import type { ClusterFacts } from '../src/domain/cluster-checks.js';
import { IRSA_ANNOTATION } from '../src/domain/constants.js';
import type { ClusterDiagnosisFacts, ProbeSummary } from '../src/domain/diagnosis.js';
import type { ClusterInventory } from '../src/domain/fleet.js';
import type { NamedPolicyDocument } from '../src/domain/iam.js';
import {
  clusterFacts,
  scanClusterInventory,
  serviceAccountFactsIn,
  type ClusterScan,
} from '../src/domain/inventory.js';
import type { RoleCatalog } from '../src/domain/role-profile.js';
import { DEFAULT_TRUST_POLICY_LIMIT } from '../src/domain/trust-policy.js';
import type { ServiceAccountRef } from '../src/domain/types.js';
import { isPortError, PortError } from '../src/ports/errors.js';
import { readClusterWideFacts } from './cluster-facts.js';
import type { ActivityDeps } from './deps.js';
import { runProbePod } from './verification-pod.js';

export interface DiagnosisClusterRead {
  facts: ClusterDiagnosisFacts;
  /** The namespace's scan, cut down to this service account: what the drift rules read. */
  scan: ClusterScan;
  /** What a pod of the service account should get here, and as which role. */
  expect: { path: 'pod-identity' | 'irsa' | 'none'; roleArn?: string };
  /** The verification pod's image, for the command that runs the same probe by hand. */
  probeImage?: string;
}

const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** Throttling and 5xx are the retry policy's; anything else read as "not there". */
async function orEmpty<T>(read: () => Promise<T[]>): Promise<T[]> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof PortError && !err.retryable) return [];
    throw err;
  }
}

export function diagnoseActivities(deps: ActivityDeps) {
  const k8s = deps.kubernetes;
  return {
    async readDiagnosisCluster(input: {
      cluster: string;
      serviceAccount: ServiceAccountRef;
      roleArn?: string;
      kubeContext?: string;
    }): Promise<DiagnosisClusterRead> {
      const { cluster, serviceAccount: sa } = input;
      const wide = await readClusterWideFacts(deps, cluster);
      const info = wide.facts.info;
      const [serviceAccounts, workloads, pods, jobs, associations] = await Promise.all([
        k8s.listServiceAccounts(cluster, sa.namespace),
        k8s.listAllWorkloads(cluster, sa.namespace),
        k8s.listAllPods(cluster, sa.namespace),
        orEmpty(() => k8s.listJobs(cluster, sa.namespace)),
        info ? deps.eks.listPodIdentityAssociations(cluster) : Promise.resolve([]),
      ]);
      const inventory: ClusterInventory = {
        cluster,
        namespace: sa.namespace,
        serviceAccounts,
        workloads,
        pods,
        jobs,
        associations: associations.filter((a) => a.namespace === sa.namespace),
      };
      const own = serviceAccountFactsIn(inventory, sa);
      const association = own.existingAssociations.find((a) => a.ownerArn === undefined);
      const annotation = own.serviceAccount?.annotations[IRSA_ANNOTATION]?.trim();
      const roleArn = input.roleArn ?? association?.roleArn ?? annotation ?? '';
      const facts: ClusterFacts = clusterFacts(wide.facts, own, roleArn);
      const associationTimes: ClusterDiagnosisFacts['associationTimes'] = {};
      for (const a of own.existingAssociations.filter((x) => x.ownerArn === undefined)) {
        try {
          associationTimes[a.associationId] = await deps.eks.getAssociationTimes(cluster, a.associationId);
        } catch (err) {
          if (!isPortError(err, 'not-found')) throw err;
        }
      }
      const full = scanClusterInventory(wide.facts, inventory, wide.findings);
      const scan: ClusterScan = {
        ...full,
        serviceAccounts: full.serviceAccounts.filter((s) => s.namespace === sa.namespace && s.name === sa.name),
        associations: full.associations.filter((a) => a.namespace === sa.namespace && a.serviceAccount === sa.name),
      };
      const region = info ? /^arn:[^:]+:eks:([^:]*):/.exec(info.arn)?.[1] : undefined;
      return {
        facts: {
          cluster,
          namespace: sa.namespace,
          kubeContext: input.kubeContext ?? info?.arn ?? cluster,
          eksClusterName: info?.name ?? deps.eksClusterName?.(cluster) ?? cluster,
          ...(region ? { region } : {}),
          facts,
          readFindings: wide.findings,
          associations,
          associationTimes,
        },
        scan,
        expect: association
          ? { path: 'pod-identity', roleArn: input.roleArn ?? association.roleArn }
          : annotation
            ? { path: 'irsa', roleArn: input.roleArn ?? annotation }
            : { path: 'none' },
        ...(deps.verificationProbe ? { probeImage: deps.verificationProbe.image } : {}),
      };
    },

    /** The roles' trust and policies, and the account's OIDC providers: what the drift and tag rules read. */
    async readDiagnosisRoles(input: {
      roleArns: string[];
    }): Promise<{ catalog: RoleCatalog; documents: Record<string, NamedPolicyDocument[]> }> {
      const providers = await deps.iam.listOpenIdConnectProviders();
      const catalog: RoleCatalog = {
        trustPolicySizeLimit: deps.trustPolicyLimit ?? DEFAULT_TRUST_POLICY_LIMIT,
        roles: [],
        oidcProviders: providers,
      };
      const documents: Record<string, NamedPolicyDocument[]> = {};
      for (const arn of input.roleArns) {
        catalog.accountId ??= /^arn:[^:]+:iam::(\d{12}):/.exec(arn)?.[1];
        try {
          const role = await deps.iam.getRole(roleNameOf(arn));
          catalog.roles.push({ arn: role.arn, name: role.name, trustPolicy: role.trustPolicy });
          documents[arn] = await deps.iam.listRolePolicyDocuments(roleNameOf(arn));
        } catch (err) {
          // A role that is not there is what the drift rules report (irsa-role-missing).
          if (!(err instanceof PortError) || err.retryable) throw err;
        }
      }
      return { catalog, documents };
    },

    /** The verification pod, its verdict as data (a diagnosis reports failures, it does not fail). */
    async probeForDiagnosis(input: {
      cluster: string;
      serviceAccount: ServiceAccountRef;
      expect: DiagnosisClusterRead['expect'];
      runKey: string;
      workflowId: string;
    }): Promise<ProbeSummary> {
      const { expect } = input;
      if (expect.path === 'none' || expect.roleArn === undefined) {
        return { state: 'skipped', detail: 'no association and no IRSA annotation: no credentials to check' };
      }
      const outcome = await runProbePod(deps, {
        cluster: input.cluster,
        serviceAccount: input.serviceAccount,
        roleArn: expect.roleArn,
        expect: expect.path,
        runKey: input.runKey,
        workflowId: input.workflowId,
      });
      if (outcome.state === 'verified') {
        return { state: 'verified', detail: `${outcome.detail} (${expect.path})`, arn: outcome.arn };
      }
      return { state: outcome.state, detail: outcome.detail };
    },
  };
}

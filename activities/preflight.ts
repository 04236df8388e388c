import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { evaluateCluster } from '../src/domain/cluster-checks.js';
import { POD_IDENTITY_TRUST_SID } from '../src/domain/constants.js';
import { parseRoleArn } from '../src/domain/names.js';
import { buildPlan } from '../src/domain/plan.js';
import { lintPrincipalTags } from '../src/domain/principal-tags.js';
import type { RoleInfo } from '../src/domain/iam.js';
import { readClusterFacts, readOrFinding } from './cluster-facts.js';
import type { ActivityDeps } from './deps.js';
import type { ClusterPreflight, ClusterTarget, RolePreflight } from './types.js';

async function readRole(deps: ActivityDeps, roleArn: string, findings: Finding[]): Promise<RoleInfo | undefined> {
  const { roleName } = parseRoleArn(roleArn);
  return readOrFinding(findings, undefined, `role ${roleName}`, () => deps.iam.getRole(roleName));
}

export function preflightActivities(deps: ActivityDeps) {
  return {
    /** `keepIrsaTrust`: the run keeps the role's IRSA trust, so pods left on IRSA (bare pods) keep working. */
    async preflightCluster(
      input: ClusterTarget & { roleArn: string; keepIrsaTrust?: boolean },
    ): Promise<ClusterPreflight> {
      const { cluster, serviceAccount: sa, roleArn } = input;
      const keepIrsaTrust = input.keepIrsaTrust ?? false;
      const { facts, findings: readFindings } = await readClusterFacts(deps, input);
      // The role's trust decides whether IRSA works here now (rollback needs it) and what cleanup removes.
      const role = await readRole(deps, roleArn, []);
      const plan = buildPlan({
        serviceAccount: sa,
        roleArn,
        keepIrsaTrust,
        trustPolicy: role?.trustPolicy ?? { Statement: [] },
        clusters: [{ facts, findings: evaluateCluster(facts, { keepIrsaTrust }) }],
        roleFindings: [],
        podIdentitySid: POD_IDENTITY_TRUST_SID,
        trustLimit: deps.trustPolicyLimit,
      });
      const clusterPlan = plan.clusters[0];
      if (!clusterPlan) throw new Error(`no plan for cluster ${cluster}`);
      return {
        cluster,
        // Trust-level findings come once, from preflightRole.
        findings: [...readFindings, ...plan.findings.filter((f) => f.cluster !== undefined)],
        plan: clusterPlan,
        cleanupIssuers: role ? plan.cleanup.removeIrsaTrustForIssuers : [],
        ...(facts.info?.arn && { clusterArn: facts.info.arn }),
        workloads: facts.workloads.map((w) => ({ ref: w.ref, restartedAt: w.restartedAt })),
      };
    },

    async preflightRole(input: { roleArn: string; serviceAccount: ServiceAccountRef }): Promise<RolePreflight> {
      const { accountId, roleName } = parseRoleArn(input.roleArn);
      const findings: Finding[] = [];
      const role = await readRole(deps, input.roleArn, findings);
      const documents = role
        ? await readOrFinding(findings, undefined, `policies of role ${roleName}`, () =>
            deps.iam.listRolePolicyDocuments(roleName),
          )
        : undefined;
      const trustPolicy = role?.trustPolicy ?? { Statement: [] };
      const plan = buildPlan({
        serviceAccount: input.serviceAccount,
        roleArn: input.roleArn,
        keepIrsaTrust: false,
        trustPolicy,
        clusters: [],
        roleFindings: [...findings, ...lintPrincipalTags(documents ?? [])],
        podIdentitySid: POD_IDENTITY_TRUST_SID,
        trustLimit: deps.trustPolicyLimit,
      });
      return { roleArn: input.roleArn, accountId, trustPolicy, findings: plan.findings, trust: plan.trust };
    },
  };
}

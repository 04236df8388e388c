import type { Finding } from '../src/domain/types.js';
import { evaluateCluster } from '../src/domain/cluster-checks.js';
import { POD_IDENTITY_TRUST_SID } from '../src/domain/constants.js';
import { parseRoleArn } from '../src/domain/names.js';
import { buildPlan } from '../src/domain/plan.js';
import { lintPrincipalTags } from '../src/domain/principal-tags.js';
import { checkTargetRole } from '../src/domain/target-role.js';
import type { RoleInfo } from '../src/domain/iam.js';
import { readClusterFacts, readOrFinding } from './cluster-facts.js';
import {
  readPrincipalTagSources,
  readTargetTrust,
  trustScope as scopeOf,
  type PrincipalTagSources,
  type TrustScopeRequest,
} from './role-facts.js';
import type { ActivityDeps } from './deps.js';
import type { ClusterPreflight, ClusterTarget, RolePreflight } from './types.js';

async function readRole(deps: ActivityDeps, roleArn: string, findings: Finding[]): Promise<RoleInfo | undefined> {
  const { roleName } = parseRoleArn(roleArn);
  return readOrFinding(findings, undefined, `role ${roleName}`, () => deps.iam.getRole(roleName));
}

async function targetRoleFindings(
  deps: ActivityDeps,
  input: { roleArn: string } & TrustScopeRequest,
  targetRoleArn: string,
  sources: PrincipalTagSources | undefined,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const targetTrust = await readTargetTrust(deps, input.roleArn, targetRoleArn, findings);
  if (findings.length > 0) return findings;
  return checkTargetRole({
    roleArn: input.roleArn,
    targetRoleArn,
    sessionTags: input.disableSessionTags !== true,
    serviceAccount: input.serviceAccount,
    clusterArns: (input.clusterArns ?? []).filter((arn) => arn !== ''),
    ...(sources?.policies && { rolePolicies: sources.policies }),
    ...(sources?.boundary && { boundary: sources.boundary }),
    ...(targetTrust && { targetTrust }),
  });
}

export function preflightActivities(deps: ActivityDeps) {
  return {
    /**
     * `keepIrsaTrust`: the run keeps the role's IRSA trust, so pods left on IRSA (bare pods) keep working.
     * `disableSessionTags` and `targetRoleArn`: what the run's associations carry.
     */
    async preflightCluster(
      input: ClusterTarget & {
        roleArn: string;
        keepIrsaTrust?: boolean;
        disableSessionTags?: boolean;
        targetRoleArn?: string;
      },
    ): Promise<ClusterPreflight> {
      const { cluster, serviceAccount: sa, roleArn } = input;
      const keepIrsaTrust = input.keepIrsaTrust ?? false;
      const read = await readClusterFacts(deps, input);
      // What the run's association will carry: one that differs is not reused.
      const facts = {
        ...read.facts,
        ...(input.disableSessionTags === true && { disableSessionTags: true }),
        ...(input.targetRoleArn !== undefined && { targetRoleArn: input.targetRoleArn }),
      };
      const readFindings = read.findings;
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

    /** `targetRoleArn`: the associations chain to it (`--target-role`), so its trust must admit the role. */
    async preflightRole(
      input: { roleArn: string; targetRoleArn?: string } & TrustScopeRequest,
    ): Promise<RolePreflight> {
      const { accountId } = parseRoleArn(input.roleArn);
      const findings: Finding[] = [];
      const role = await readRole(deps, input.roleArn, findings);
      const trustScope = scopeOf(input, findings);
      const principalTags = role ? await readPrincipalTagSources(deps, role, findings) : undefined;
      if (role && input.targetRoleArn !== undefined) {
        findings.push(...(await targetRoleFindings(deps, input, input.targetRoleArn, principalTags)));
      }
      const trustPolicy = role?.trustPolicy ?? { Statement: [] };
      const plan = buildPlan({
        serviceAccount: input.serviceAccount,
        roleArn: input.roleArn,
        keepIrsaTrust: false,
        trustPolicy,
        clusters: [],
        roleFindings: [
          ...findings,
          ...lintPrincipalTags(principalTags?.documents ?? [], {
            roleTags: principalTags?.roleTags ?? {},
            sessionTags: input.disableSessionTags !== true,
            serviceAccount: input.serviceAccount,
          }),
        ],
        podIdentitySid: POD_IDENTITY_TRUST_SID,
        trustLimit: deps.trustPolicyLimit,
        ...(trustScope && { trustScope }),
      });
      return { roleArn: input.roleArn, accountId, trustPolicy, findings: plan.findings, trust: plan.trust };
    },
  };
}

import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { evaluateCluster, type ClusterFacts } from '../src/domain/cluster-checks.js';
import { AGENT_ADDON, AGENT_DAEMONSET, POD_IDENTITY_TRUST_SID } from '../src/domain/constants.js';
import { parseRoleArn } from '../src/domain/names.js';
import { buildPlan } from '../src/domain/plan.js';
import { lintPrincipalTags } from '../src/domain/principal-tags.js';
import type { RoleInfo } from '../src/domain/iam.js';
import { isPortError, PortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';
import type { ClusterPreflight, ClusterTarget, RolePreflight } from './types.js';

/**
 * A read that cannot succeed by retrying (access denied, not found) becomes a blocking
 * finding, so the engineer sees every problem at once; throttling and 5xx are rethrown
 * for the activity retry policy.
 */
async function readOrFinding<T>(
  findings: Finding[],
  cluster: string | undefined,
  what: string,
  read: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof PortError && !err.retryable) {
      findings.push({
        severity: 'blocking',
        code: `cannot-read-${err.kind}`,
        message: `cannot read ${what}: ${err.message}`,
        cluster,
      });
      return undefined;
    }
    throw err;
  }
}

async function readRole(deps: ActivityDeps, roleArn: string, findings: Finding[]): Promise<RoleInfo | undefined> {
  const { roleName } = parseRoleArn(roleArn);
  return readOrFinding(findings, undefined, `role ${roleName}`, () => deps.iam.getRole(roleName));
}

export function preflightActivities(deps: ActivityDeps) {
  return {
    async preflightCluster(input: ClusterTarget & { roleArn: string }): Promise<ClusterPreflight> {
      const { cluster, serviceAccount: sa, roleArn } = input;
      const readFindings: Finding[] = [];
      const facts: ClusterFacts = {
        cluster,
        roleArn,
        workloads: [],
        pods: [],
        fargateProfiles: [],
        existingAssociations: [],
      };
      // A missing cluster is the finding evaluateCluster reports; other read errors are their own.
      facts.info = await readOrFinding(readFindings, cluster, `cluster ${cluster}`, async () => {
        try {
          return await deps.eks.describeCluster(cluster);
        } catch (err) {
          if (isPortError(err, 'not-found')) return undefined;
          throw err;
        }
      });
      if (facts.info) {
        const k8s = deps.kubernetes;
        const read = <T>(what: string, fn: () => Promise<T>) => readOrFinding(readFindings, cluster, what, fn);
        const [addon, daemonSet, serviceAccount, workloads, pods, fargate, associations] = await Promise.all([
          facts.info.autoMode
            ? undefined
            : read(`add-on ${AGENT_ADDON}`, () => deps.eks.describeAddon(cluster, AGENT_ADDON)),
          facts.info.autoMode
            ? undefined
            : read('the Pod Identity Agent DaemonSet', () =>
                k8s.getDaemonSet(cluster, AGENT_DAEMONSET.namespace, AGENT_DAEMONSET.name),
              ),
          read(`service account ${sa.namespace}/${sa.name}`, () =>
            k8s.getServiceAccount(cluster, sa.namespace, sa.name),
          ),
          read('workloads', () => k8s.listWorkloads(cluster, sa.namespace, sa.name)),
          read('pods', () => k8s.listPods(cluster, sa.namespace, sa.name)),
          read('Fargate profiles', () => deps.eks.listFargateProfiles(cluster)),
          read('Pod Identity associations', () => deps.eks.findPodIdentityAssociations(cluster, sa.namespace, sa.name)),
        ]);
        Object.assign(facts, {
          agentAddon: addon,
          agentDaemonSet: daemonSet,
          serviceAccount,
          workloads: workloads ?? [],
          pods: pods ?? [],
          fargateProfiles: fargate ?? [],
          existingAssociations: associations ?? [],
        });
      }
      // The role's trust decides whether IRSA works here now (rollback needs it) and what cleanup removes.
      const role = await readRole(deps, roleArn, []);
      const plan = buildPlan({
        serviceAccount: sa,
        roleArn,
        keepIrsaTrust: false,
        trustPolicy: role?.trustPolicy ?? { Statement: [] },
        clusters: [{ facts, findings: evaluateCluster(facts) }],
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

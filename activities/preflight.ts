import type { ClusterPlan } from '../src/domain/migration-state.js';
import type { Finding, ServiceAccountRef } from '../src/domain/types.js';
import { evaluateCluster, type ClusterFacts } from '../src/domain/cluster-checks.js';
import { AGENT_ADDON, AGENT_DAEMONSET, IRSA_ANNOTATION, POD_IDENTITY_TRUST_SID } from '../src/domain/constants.js';
import { parseRoleArn } from '../src/domain/names.js';
import { lintPrincipalTags } from '../src/domain/principal-tags.js';
import {
  addPodIdentityTrust,
  DEFAULT_TRUST_POLICY_LIMIT,
  hasPodIdentityTrust,
  trustPolicySize,
} from '../src/domain/trust-policy.js';
import { PortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';
import type { ClusterPreflight, RolePreflight } from './types.js';

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
      findings.push({ severity: 'blocking', code: `cannot-read-${err.kind}`, message: `cannot read ${what}: ${err.message}`, cluster });
      return undefined;
    }
    throw err;
  }
}

export function preflightActivities(deps: ActivityDeps) {
  return {
    async preflightCluster(input: { cluster: string; serviceAccount: ServiceAccountRef; roleArn: string }): Promise<ClusterPreflight> {
      const { cluster, serviceAccount: sa, roleArn } = input;
      const readFindings: Finding[] = [];
      const facts: ClusterFacts = { cluster, roleArn, workloads: [], pods: [], fargateProfiles: [], existingAssociations: [] };
      try {
        facts.info = await deps.eks.describeCluster(cluster);
      } catch (err) {
        if (!(err instanceof PortError && err.kind === 'not-found')) {
          await readOrFinding(readFindings, cluster, `cluster ${cluster}`, () => Promise.reject(err));
        }
      }
      if (facts.info) {
        const k8s = deps.kubernetes;
        const read = <T>(what: string, fn: () => Promise<T>) => readOrFinding(readFindings, cluster, what, fn);
        const [addon, daemonSet, serviceAccount, workloads, pods, fargate, associations] = await Promise.all([
          facts.info.autoMode ? undefined : read(`add-on ${AGENT_ADDON}`, () => deps.eks.describeAddon(cluster, AGENT_ADDON)),
          facts.info.autoMode ? undefined : read('the Pod Identity Agent DaemonSet', () => k8s.getDaemonSet(cluster, AGENT_DAEMONSET.namespace, AGENT_DAEMONSET.name)),
          read(`service account ${sa.namespace}/${sa.name}`, () => k8s.getServiceAccount(cluster, sa.namespace, sa.name)),
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
      const findings = [...readFindings, ...evaluateCluster(facts)];
      const existing = facts.existingAssociations.find((a) => !a.ownerArn && a.roleArn === roleArn);
      const plan: ClusterPlan = {
        cluster,
        association: existing
          ? { action: 'reuse', roleArn, existingId: existing.associationId }
          : { action: 'create', roleArn },
        workloadsToRestart: facts.workloads.map((w) => w.ref),
        irsaAnnotation: facts.serviceAccount?.annotations[IRSA_ANNOTATION] ?? null,
        oidcIssuer: facts.info?.oidcIssuer,
      };
      return {
        cluster,
        findings,
        plan,
        workloads: facts.workloads.map((w) => ({ ref: w.ref, restartedAt: w.restartedAt })),
      };
    },

    async preflightRole(input: { roleArn: string; serviceAccount: ServiceAccountRef }): Promise<RolePreflight> {
      const { accountId, roleName } = parseRoleArn(input.roleArn);
      const findings: Finding[] = [];
      const role = await readOrFinding(findings, undefined, `role ${roleName}`, () => deps.iam.getRole(roleName));
      const empty = { addPodIdentityStatement: false, sizeBefore: 0, sizeAfter: 0, limit: DEFAULT_TRUST_POLICY_LIMIT };
      if (!role) return { roleArn: input.roleArn, accountId, trustPolicy: { Statement: [] }, findings, trust: empty };
      const documents = await readOrFinding(findings, undefined, `policies of role ${roleName}`, () =>
        deps.iam.listRolePolicyDocuments(roleName),
      );
      findings.push(...lintPrincipalTags(documents ?? []));
      const add = !hasPodIdentityTrust(role.trustPolicy);
      const sizeBefore = trustPolicySize(role.trustPolicy);
      const sizeAfter = add ? trustPolicySize(addPodIdentityTrust(role.trustPolicy, POD_IDENTITY_TRUST_SID).document) : sizeBefore;
      if (sizeAfter > DEFAULT_TRUST_POLICY_LIMIT) {
        findings.push({
          severity: 'blocking',
          code: 'trust-policy-too-large',
          message: `role ${roleName}: the trust policy would be ${sizeAfter} characters after adding the Pod Identity statement, over the ${DEFAULT_TRUST_POLICY_LIMIT} limit (raise the IAM quota or remove stale IRSA statements first)`,
        });
      }
      return {
        roleArn: input.roleArn,
        accountId,
        trustPolicy: role.trustPolicy,
        findings,
        trust: { addPodIdentityStatement: add, sizeBefore, sizeAfter, limit: DEFAULT_TRUST_POLICY_LIMIT },
      };
    },
  };
}

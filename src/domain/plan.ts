import type { ClusterFacts } from './cluster-checks.js';
import { IRSA_ANNOTATION, POD_IDENTITY_TRUST_SID } from './constants.js';
import { ValidationError } from './errors.js';
import type { ClusterPlan, MigrationPlan } from './migration-state.js';
import { formatServiceAccountRef } from './names.js';
import {
  DEFAULT_TRUST_POLICY_LIMIT,
  addPodIdentityTrust,
  federatedIssuers,
  irsaIssuersTrusted,
  issuerHostPath,
  removeIrsaTrust,
  trustPolicySize,
} from './trust-policy.js';
import type { Finding, PolicyDocument, ServiceAccountRef } from './types.js';

export interface PlanInput {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  keepIrsaTrust: boolean;
  /** The role's trust policy as it is now. */
  trustPolicy: PolicyDocument;
  /** The account's trust-policy size quota, when raised above the default. */
  trustLimit?: number;
  /** In migration order, each with `evaluateCluster`'s findings. */
  clusters: { facts: ClusterFacts; findings: Finding[] }[];
  /** Role-level findings, e.g. from `lintPrincipalTags`. */
  roleFindings: Finding[];
  podIdentitySid?: string;
}

/** What a run would change, and whether anything blocks it. Pure: the same facts give the same plan. */
export function buildPlan(input: PlanInput): MigrationPlan {
  const { serviceAccount, roleArn, trustPolicy } = input;
  const limit = input.trustLimit ?? DEFAULT_TRUST_POLICY_LIMIT;
  const trustFindings: Finding[] = [];

  let afterAdding = trustPolicy;
  let addPodIdentityStatement = false;
  try {
    const result = addPodIdentityTrust(trustPolicy, input.podIdentitySid ?? POD_IDENTITY_TRUST_SID);
    afterAdding = result.document;
    addPodIdentityStatement = result.added;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    trustFindings.push({
      severity: 'blocking',
      code: 'trust-sid-conflict',
      message: `role ${roleArn}: ${err.message}`,
    });
  }
  const sizeBefore = trustPolicySize(trustPolicy);
  const sizeAfter = trustPolicySize(afterAdding);
  if (sizeAfter > limit) {
    trustFindings.push({
      severity: 'blocking',
      code: 'trust-policy-too-large',
      message:
        `role ${roleArn}: the trust policy would be ${sizeAfter} characters with the Pod Identity statement, ` +
        `over the ${limit} limit (raise the IAM quota or remove unused statements)`,
    });
  }

  const trusted = irsaIssuersTrusted(trustPolicy, serviceAccount.namespace, serviceAccount.name);
  const clusterFindings: Finding[] = [];
  const clusters: ClusterPlan[] = input.clusters.map(({ facts, findings }) => {
    clusterFindings.push(...findings);
    const annotation = facts.serviceAccount?.annotations[IRSA_ANNOTATION] ?? null;
    const issuer = facts.info?.oidcIssuer;
    if (annotation !== null && issuer !== undefined && !trusted.includes(issuerHostPath(issuer))) {
      clusterFindings.push({
        severity: 'warning',
        code: 'no-irsa-trust',
        cluster: facts.cluster,
        message: `cluster ${facts.cluster}: role ${roleArn} does not trust this cluster's OIDC issuer for ${formatServiceAccountRef(serviceAccount)}, so IRSA is not working here now and rollback cannot restore it`,
      });
    }
    return clusterPlan(facts, roleArn, annotation);
  });

  const issuers = input.clusters.flatMap(({ facts }) => (facts.info?.oidcIssuer ? [facts.info.oidcIssuer] : []));
  const { removed } = removeIrsaTrust(trustPolicy, {
    issuers,
    namespace: serviceAccount.namespace,
    serviceAccount: serviceAccount.name,
  });
  const changedIssuers = new Set(removed.flatMap(federatedIssuers));
  return mergePlan({
    serviceAccount,
    roleArn,
    keepIrsaTrust: input.keepIrsaTrust,
    trust: { addPodIdentityStatement, sizeBefore, sizeAfter, limit },
    clusters,
    // Only the issuers of the clusters in this run: other clusters may still rely on IRSA.
    cleanupIssuers: issuers.filter((issuer) => changedIssuers.has(issuerHostPath(issuer))),
    findings: [...input.roleFindings, ...trustFindings, ...clusterFindings],
  });
}

export interface PlanParts {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  keepIrsaTrust: boolean;
  trust: MigrationPlan['trust'];
  /** In migration order. */
  clusters: ClusterPlan[];
  /** OIDC issuers whose IRSA trust of the service account cleanup would remove. */
  cleanupIssuers: string[];
  findings: Finding[];
}

/**
 * A plan from its parts: what `buildPlan` computes at once, and what the workflow puts
 * together from the role's and each cluster's preflight, which run apart.
 */
export function mergePlan(parts: PlanParts): MigrationPlan {
  const { clusters, findings } = parts;
  return {
    serviceAccount: formatServiceAccountRef(parts.serviceAccount),
    roleArn: parts.roleArn,
    trust: parts.trust,
    clusters,
    cleanup: {
      removeAnnotations: clusters.filter((c) => c.irsaAnnotation !== null).map((c) => c.cluster),
      removeIrsaTrustForIssuers: parts.keepIrsaTrust ? [] : parts.cleanupIssuers,
      keepIrsaTrust: parts.keepIrsaTrust,
    },
    findings,
    blocked: findings.some((finding) => finding.severity === 'blocking'),
  };
}

function clusterPlan(facts: ClusterFacts, roleArn: string, irsaAnnotation: string | null): ClusterPlan {
  const reusable = facts.existingAssociations.find((a) => a.ownerArn === undefined && a.roleArn === roleArn);
  const plan: ClusterPlan = {
    cluster: facts.cluster,
    association: reusable
      ? { action: 'reuse', roleArn, existingId: reusable.associationId }
      : { action: 'create', roleArn },
    workloadsToRestart: facts.workloads.map((workload) => workload.ref),
    irsaAnnotation,
  };
  if (facts.info?.oidcIssuer !== undefined) plan.oidcIssuer = facts.info.oidcIssuer;
  return plan;
}

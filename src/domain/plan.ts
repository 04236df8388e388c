import { reusableAssociation } from './associations.js';
import { wantedAssociation, type ClusterFacts } from './cluster-checks.js';
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
  type PodIdentityTrustScope,
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
  /** Whom the Pod Identity statement admits (request-tag conditions); absent: unscoped. */
  trustScope?: PodIdentityTrustScope;
}

/** What a run would change, and whether anything blocks it. Pure: the same facts give the same plan. */
export function buildPlan(input: PlanInput): MigrationPlan {
  const { serviceAccount, roleArn, trustPolicy } = input;
  const limit = input.trustLimit ?? DEFAULT_TRUST_POLICY_LIMIT;
  const trustFindings: Finding[] = [];

  const trust = planTrust(input, limit, trustFindings);
  const { sizeBefore, sizeAfter } = trust;

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
    trust: {
      addPodIdentityStatement: trust.added,
      sizeBefore,
      sizeAfter,
      limit,
      ...(trust.scope && { scope: trust.scope }),
      ...(trust.widened && { widenStatement: true }),
    },
    clusters,
    // Only the issuers of the clusters in this run: other clusters may still rely on IRSA.
    cleanupIssuers: issuers.filter((issuer) => changedIssuers.has(issuerHostPath(issuer))),
    findings: [...input.roleFindings, ...trustFindings, ...clusterFindings],
  });
}

interface TrustPlan {
  added: boolean;
  widened: boolean;
  scope?: PodIdentityTrustScope;
  sizeBefore: number;
  sizeAfter: number;
}

/**
 * The Pod Identity statement the run will write, and its size against the quota. When the
 * conditions on the clusters' ARNs do not fit but namespace and service account do (the
 * guide's own example), that narrower scope is taken, with a warning: a run that cannot
 * fit the full scope should not have to give up scoping altogether.
 */
function planTrust(input: PlanInput, limit: number, findings: Finding[]): TrustPlan {
  const { roleArn, trustPolicy } = input;
  const sid = input.podIdentitySid ?? POD_IDENTITY_TRUST_SID;
  const sizeBefore = trustPolicySize(trustPolicy);
  const attempt = (scope: PodIdentityTrustScope | undefined): TrustPlan | ValidationError => {
    try {
      const { document, added, widened } = addPodIdentityTrust(trustPolicy, sid, scope);
      return { added, widened, ...(scope && { scope }), sizeBefore, sizeAfter: trustPolicySize(document) };
    } catch (err) {
      if (err instanceof ValidationError) return err;
      throw err;
    }
  };
  let plan = attempt(input.trustScope);
  const fullScope = input.trustScope;
  if (!(plan instanceof ValidationError) && plan.sizeAfter > limit && fullScope && fullScope.clusterArns.length > 0) {
    const anyCluster = attempt({ ...fullScope, clusterArns: [] });
    if (!(anyCluster instanceof ValidationError) && anyCluster.sizeAfter <= limit) {
      findings.push({
        severity: 'warning',
        code: 'trust-scope-reduced',
        message:
          `role ${roleArn}: with conditions on the clusters' ARNs the trust policy would be ${plan.sizeAfter} characters, ` +
          `over the ${limit} limit: the Pod Identity statement is scoped to namespace and service account only, ` +
          `so an association for ${fullScope.namespace}/${fullScope.serviceAccount} in any cluster of the account can use the role ` +
          `(raise the IAM quota to scope it to the clusters too)`,
      });
      plan = anyCluster;
    }
  }
  if (plan instanceof ValidationError) {
    findings.push({ severity: 'blocking', code: 'trust-sid-conflict', message: `role ${roleArn}: ${plan.message}` });
    return { added: false, widened: false, sizeBefore, sizeAfter: sizeBefore };
  }
  if (plan.sizeAfter > limit) {
    findings.push({
      severity: 'blocking',
      code: 'trust-policy-too-large',
      message:
        `role ${roleArn}: the trust policy would be ${plan.sizeAfter} characters with the Pod Identity statement, ` +
        `over the ${limit} limit (raise the IAM quota or remove unused statements` +
        `${plan.scope ? '; --unscoped-trust writes a shorter statement, which trusts every association of the account' : ''})`,
    });
  }
  return plan;
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
  const reusable = reusableAssociation(facts.existingAssociations, wantedAssociation(facts));
  const target = facts.targetRoleArn === undefined ? {} : { targetRoleArn: facts.targetRoleArn };
  const plan: ClusterPlan = {
    cluster: facts.cluster,
    association: reusable
      ? { action: 'reuse', roleArn, ...target, existingId: reusable.associationId }
      : { action: 'create', roleArn, ...target },
    workloadsToRestart: facts.workloads.map((workload) => workload.ref),
    irsaAnnotation,
  };
  if (facts.info?.oidcIssuer !== undefined) plan.oidcIssuer = facts.info.oidcIssuer;
  return plan;
}

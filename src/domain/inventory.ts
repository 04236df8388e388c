import { evaluateCluster, type ClusterFacts } from './cluster-checks.js';
import { IRSA_ANNOTATION } from './constants.js';
import { credentialVariablesReport } from './credentials.js';
import type { PodIdentityAssociation } from './eks.js';
import type { ClusterInventory, ClusterWideFacts, ServiceAccountFacts } from './fleet.js';
import type { PodInfo } from './kubernetes.js';
import type { Finding, ServiceAccountRef, WorkloadRef } from './types.js';

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

// ---------------------------------------------------------------------------------------
// Fleet scan: what one cluster contributes to the inventory, classified with preflight's
// own checks, kept small enough to cross the activity boundary for thousands of accounts.

/** Pods of a service account by the credentials the SDK default chain would pick in them. */
export interface PodCredentialCounts {
  total: number;
  irsa: number;
  podIdentity: number;
  /** Containers that set `AWS_ACCESS_KEY_ID` themselves. */
  staticKeys: number;
}

/** One service account in one cluster, as a scan keeps it. */
export interface ServiceAccountScan {
  namespace: string;
  name: string;
  /** False when only pods name it: the service account was deleted under them. */
  exists: boolean;
  /** The `eks.amazonaws.com/role-arn` annotation, trimmed. */
  irsaRoleArn?: string;
  /** Its Pod Identity associations; add-on owned ones are the add-on's and left out. */
  associations: { associationId: string; roleArn: string }[];
  workloads: WorkloadRef[];
  pods: PodCredentialCounts;
  /** Why Pod Identity cannot serve it in this cluster (Fargate, Windows, no agent, not EKS); empty: it can. */
  notMigratable: string[];
  /** Preflight's other blocking finding codes: fixable before a migration (a proxy, a conflicting association). */
  blockers: string[];
}

/** An association and whether what it names still exists. */
export interface AssociationScan extends PodIdentityAssociation {
  serviceAccountExists: boolean;
  /**
   * False when the namespace has no service account at all: Kubernetes gives every live
   * namespace a `default` one, so an empty namespace is a deleted one.
   */
  namespaceExists: boolean;
}

/** What a scan keeps of one cluster. */
export interface ClusterScan {
  cluster: string;
  /** Set when only one namespace was listed. */
  namespace?: string;
  /** From DescribeCluster; unset when the cluster could not be described. */
  eksClusterName?: string;
  arn?: string;
  region?: string;
  accountId?: string;
  /** The OIDC issuer URL (`https://…`). */
  oidcIssuer?: string;
  /** Reads that failed for good (access denied); the listing itself succeeded. */
  findings: Finding[];
  /** Service accounts with an annotation, an association or pods holding AWS credential variables. */
  serviceAccounts: ServiceAccountScan[];
  /** Every association of the listed scope, add-on owned ones included. */
  associations: AssociationScan[];
  counts: { serviceAccounts: number; workloads: number; pods: number };
}

/** Preflight finding codes that mean Pod Identity cannot serve the service account in this cluster. */
const NOT_MIGRATABLE_CODES = new Set([
  'cluster-not-found',
  'platform-version',
  'agent-unhealthy',
  'fargate-pod',
  'fargate-profile-selects',
  'windows-pod',
  'hybrid-node-pod',
]);

function podCredentials(pods: PodInfo[]): PodCredentialCounts {
  const counts: PodCredentialCounts = { total: pods.length, irsa: 0, podIdentity: 0, staticKeys: 0 };
  for (const pod of pods) {
    const reports = pod.containers.map((c) => credentialVariablesReport(c.env));
    if (reports.some((r) => r.effective === 'irsa')) counts.irsa += 1;
    if (reports.some((r) => r.effective === 'pod-identity')) counts.podIdentity += 1;
    if (reports.some((r) => r.staticKeys)) counts.staticKeys += 1;
  }
  return counts;
}

function hasCredentialVariables(pod: PodInfo): boolean {
  return pod.containers.some((c) => {
    const report = credentialVariablesReport(c.env);
    return report.staticKeys || report.irsa || report.podIdentity;
  });
}

/** Classifies one service account with `evaluateCluster`, the checks preflight runs. */
export function scanServiceAccount(wide: ClusterWideFacts, own: ServiceAccountFacts, sa: ServiceAccountRef) {
  const irsaRoleArn = own.serviceAccount?.annotations[IRSA_ANNOTATION]?.trim() || undefined;
  const associations = own.existingAssociations
    .filter((a) => a.ownerArn === undefined)
    .map((a) => ({ associationId: a.associationId, roleArn: a.roleArn }));
  const roleArn = irsaRoleArn ?? associations[0]?.roleArn ?? '';
  const findings = evaluateCluster(clusterFacts(wide, own, roleArn));
  const scan: ServiceAccountScan = {
    namespace: sa.namespace,
    name: sa.name,
    exists: own.serviceAccount !== undefined,
    ...(irsaRoleArn === undefined ? {} : { irsaRoleArn }),
    associations,
    workloads: own.workloads.map((w) => w.ref),
    pods: podCredentials(own.pods),
    notMigratable: findings.filter((f) => NOT_MIGRATABLE_CODES.has(f.code)).map((f) => f.message),
    blockers: [
      ...new Set(
        findings
          .filter((f) => f.severity === 'blocking' && !NOT_MIGRATABLE_CODES.has(f.code))
          .filter((f) => f.code !== 'service-account-not-found')
          .map((f) => f.code),
      ),
    ],
  };
  return scan;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * The identity-relevant service accounts of a cluster listing, each classified: those with
 * an IRSA annotation, a (non add-on) association, or pods holding AWS credential variables.
 */
export function scanClusterInventory(
  wide: ClusterWideFacts,
  inventory: ClusterInventory,
  findings: Finding[] = [],
): ClusterScan {
  const candidates = new Map<string, ServiceAccountRef>();
  const add = (namespace: string, name: string) => candidates.set(key(namespace, name), { namespace, name });
  for (const sa of inventory.serviceAccounts)
    if (sa.annotations[IRSA_ANNOTATION] !== undefined) add(sa.namespace, sa.name);
  const existing = new Set(inventory.serviceAccounts.map((sa) => key(sa.namespace, sa.name)));
  for (const a of inventory.associations) {
    // An association whose service account is gone is drift, not an inventory row.
    if (a.ownerArn === undefined && existing.has(key(a.namespace, a.serviceAccount)))
      add(a.namespace, a.serviceAccount);
  }
  for (const pod of inventory.pods) if (hasCredentialVariables(pod)) add(pod.namespace, pod.serviceAccount);
  const serviceAccounts = [...candidates.values()]
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
    .map((sa) => scanServiceAccount(wide, serviceAccountFactsIn(inventory, sa), sa));
  const namespaces = new Set(inventory.serviceAccounts.map((sa) => sa.namespace));
  const info = wide.info;
  const arn = info ? /^arn:[^:]+:eks:([^:]*):(\d{12}):/.exec(info.arn) : null;
  return {
    cluster: inventory.cluster,
    ...(inventory.namespace === undefined ? {} : { namespace: inventory.namespace }),
    ...(info === undefined
      ? {}
      : {
          eksClusterName: info.name,
          arn: info.arn,
          ...(arn?.[1] ? { region: arn[1] } : {}),
          ...(arn?.[2] ? { accountId: arn[2] } : {}),
          ...(info.oidcIssuer === undefined ? {} : { oidcIssuer: info.oidcIssuer }),
        }),
    findings,
    serviceAccounts,
    associations: inventory.associations.map((a) => ({
      ...a,
      serviceAccountExists: existing.has(key(a.namespace, a.serviceAccount)),
      namespaceExists: namespaces.has(a.namespace),
    })),
    counts: {
      serviceAccounts: inventory.serviceAccounts.length,
      workloads: inventory.workloads.length,
      pods: inventory.pods.length,
    },
  };
}

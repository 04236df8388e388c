/**
 * `diagnose <ns>/<sa>`: the seed's troubleshooting matrix ("AccessDenied after migration",
 * "credentials work in one cluster but not another", "intermittent auth failures during
 * deploy windows") as one row per check per cluster, each with its status, the reason and
 * the next command to run. Built from the same reads and rules preflight and the fleet scan
 * use; the only thing it changes is the short-lived verification pod. The rows one cluster's
 * reads decide are in `diagnosis-cluster.ts`; these are the types, the rows that need the
 * role or the other clusters, and the assembly.
 */
import type { ClusterFacts } from './cluster-checks.js';
import { detectDrift } from './drift.js';
import { shellQuote } from './drift-fixes.js';
import type { PodIdentityAssociation } from './eks.js';
import type { NamedPolicyDocument } from './iam.js';
import type { ClusterScan } from './inventory.js';
import { lintPrincipalTags, principalTagKeys } from './principal-tags.js';
import type { RoleCatalog } from './role-profile.js';
import type { Finding, ServiceAccountRef } from './types.js';

export const DIAGNOSIS_CHECKS = [
  'service-account',
  'caller-identity',
  'association',
  'agent',
  'compute-type',
  'principal-tags',
  'association-timing',
  'no-proxy',
  'irsa-consistency',
] as const;
export type DiagnosisCheck = (typeof DIAGNOSIS_CHECKS)[number];

/** `pass` ✓, `fail` ✗, `warn` !, `skip` − (does not apply here). */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface DiagnosisRow {
  cluster: string;
  check: DiagnosisCheck;
  status: CheckStatus;
  reason: string;
  /** The command to run next, to see more or to fix it. */
  next?: string;
}

export interface Diagnosis {
  serviceAccount: string;
  clusters: string[];
  diagnosedAt: string;
  /** The workflow run that made it (its verification pods carry its label). */
  workflowId: string;
  rows: DiagnosisRow[];
  summary: Record<CheckStatus, number>;
}

/** What one cluster's reads gave, for the rows that need nothing else. */
export interface ClusterDiagnosisFacts {
  cluster: string;
  /** The namespace diagnosed (also when its service account does not exist here). */
  namespace: string;
  /** How kubectl reaches it (a context name, else its ARN), and how aws names it. */
  kubeContext: string;
  eksClusterName: string;
  region?: string;
  /** Preflight's facts for this service account; `roleArn` is the role it is expected to use ('' unknown). */
  facts: ClusterFacts;
  /** Reads that failed for good. */
  readFindings: Finding[];
  /** Every association of the cluster, add-on owned ones included: near misses are spelling mistakes. */
  associations: PodIdentityAssociation[];
  /** When each of this service account's associations was created or last changed. */
  associationTimes: Record<string, { createdAt?: string; modifiedAt?: string }>;
}

/** The verification pod's answer, as the diagnosis shows it. */
export interface ProbeSummary {
  state: 'verified' | 'failed' | 'unavailable' | 'skipped';
  detail: string;
  arn?: string;
}

export function checkMark(status: CheckStatus): string {
  return { pass: '✓', fail: '✗', warn: '!', skip: '−' }[status];
}

const saName = (sa: ServiceAccountRef) => `${sa.namespace}/${sa.name}`;

/** Principal-tag keys of the role this cluster's service account uses. */
export function principalTagRow(
  cluster: string,
  roleArn: string | undefined,
  documents: NamedPolicyDocument[] | undefined,
): DiagnosisRow {
  if (!roleArn || documents === undefined) {
    return {
      cluster,
      check: 'principal-tags',
      status: 'skip',
      reason: roleArn ? `policies of ${roleArn} not read` : 'no role in use',
    };
  }
  const name = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const typos = lintPrincipalTags(documents);
  if (typos.length > 0) {
    return {
      cluster,
      check: 'principal-tags',
      status: 'fail',
      reason: typos.map((t) => t.message).join('; '),
      next: `aws iam list-role-policies --role-name ${shellQuote(name)} ; aws iam list-attached-role-policies --role-name ${shellQuote(name)}`,
    };
  }
  const keys = [...new Set(documents.flatMap((d) => principalTagKeys(d.document).map((k) => k.toLowerCase())))];
  return {
    cluster,
    check: 'principal-tags',
    status: 'pass',
    reason: keys.length
      ? `role ${name} reads ${keys.join(', ')}: all set by Pod Identity`
      : `role ${name} reads no principal tags`,
  };
}

/** IRSA trust and annotation: the drift rules of the fleet scan, for this service account. */
export function irsaRows(
  scans: ClusterScan[],
  catalog: RoleCatalog | undefined,
  sa: ServiceAccountRef,
  kubeContexts: Record<string, string>,
): DiagnosisRow[] {
  if (catalog === undefined) {
    return scans.map((s) => ({
      cluster: s.cluster,
      check: 'irsa-consistency' as const,
      status: 'skip' as const,
      reason: 'IAM could not be read',
    }));
  }
  const findings = detectDrift({ clusters: scans, catalog, complete: false, kubeContexts }).filter(
    (d) => d.serviceAccount === saName(sa),
  );
  return scans.map((s) => {
    const mine = findings.filter((d) => d.cluster === s.cluster || d.cluster === undefined);
    const row = s.serviceAccounts.find((x) => x.namespace === sa.namespace && x.name === sa.name);
    if (mine.length === 0) {
      return {
        cluster: s.cluster,
        check: 'irsa-consistency' as const,
        status: row?.irsaRoleArn ? ('pass' as const) : ('skip' as const),
        reason: row?.irsaRoleArn
          ? `annotation ${row.irsaRoleArn}; its trust admits this cluster's issuer for ${saName(sa)}`
          : 'no IRSA annotation here',
      };
    }
    const worst = mine.find((d) => d.severity === 'broken') ?? mine[0];
    return {
      cluster: s.cluster,
      check: 'irsa-consistency' as const,
      status: worst?.severity === 'broken' ? ('fail' as const) : ('warn' as const),
      reason: mine.map((d) => `${d.kind}: ${d.message}${d.evidence[0] ? ` (${d.evidence[0]})` : ''}`).join('; '),
      ...(worst?.fix[0] ? { next: worst.fix[0] } : {}),
    };
  });
}

/** What the verification pod proved here. */
export function callerIdentityRow(
  f: Pick<ClusterDiagnosisFacts, 'cluster' | 'kubeContext' | 'namespace'>,
  sa: ServiceAccountRef,
  probe: ProbeSummary | undefined,
  probeImage: string | undefined,
): DiagnosisRow {
  const { cluster } = f;
  const rerun = probeImage
    ? `kubectl --context ${shellQuote(f.kubeContext)} --namespace ${shellQuote(f.namespace)} run mi-probe --rm -i --restart=Never --image=${probeImage} --overrides='{"spec":{"serviceAccountName":"${sa.name}"}}' --command -- aws sts get-caller-identity`
    : undefined;
  if (probe === undefined || probe.state === 'skipped') {
    return {
      cluster,
      check: 'caller-identity',
      status: 'skip',
      reason: probe?.detail || 'no verification pod (--no-pod, or none configured)',
    };
  }
  const status: CheckStatus = probe.state === 'verified' ? 'pass' : probe.state === 'failed' ? 'fail' : 'warn';
  return {
    cluster,
    check: 'caller-identity',
    status,
    reason: probe.detail,
    ...(status !== 'pass' && rerun ? { next: rerun } : {}),
  };
}

/** Rows in cluster order, each cluster's in the matrix's order, and the counts. */
export function assembleDiagnosis(input: {
  serviceAccount: ServiceAccountRef;
  clusters: string[];
  diagnosedAt: string;
  workflowId: string;
  rows: DiagnosisRow[];
}): Diagnosis {
  const rank = (r: DiagnosisRow) =>
    input.clusters.indexOf(r.cluster) * DIAGNOSIS_CHECKS.length + DIAGNOSIS_CHECKS.indexOf(r.check);
  const rows = [...input.rows].sort((a, b) => rank(a) - rank(b));
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const row of rows) summary[row.status] += 1;
  return {
    serviceAccount: saName(input.serviceAccount),
    clusters: input.clusters,
    diagnosedAt: input.diagnosedAt,
    workflowId: input.workflowId,
    rows,
    summary,
  };
}

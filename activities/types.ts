/** Types that several activities share; each activity declares its own input next to it. */
import type { ClusterPlan, MigrationPlan } from '../src/domain/migration-state.js';
import type { Finding, PolicyDocument, ServiceAccountRef, WorkloadRef } from '../src/domain/types.js';

export type CredentialExpectation = 'pod-identity' | 'irsa';

/** One service account in one cluster: what most activities act on. */
export interface ClusterTarget {
  cluster: string;
  serviceAccount: ServiceAccountRef;
}

export interface ClusterPreflight {
  cluster: string;
  findings: Finding[];
  plan: ClusterPlan;
  /** OIDC issuers whose trust of this service account cleanup removes (empty: nothing to remove). */
  cleanupIssuers: string[];
  /** The cluster's ARN, as DescribeCluster named it: the Pod Identity trust is scoped to it, and it is the role reuse check's `eks-cluster-arn` session tag. */
  clusterArn?: string;
  /** Workloads with their restartedAt before the run, for the rollback note. */
  workloads: { ref: WorkloadRef; restartedAt?: string }[];
}

export interface RolePreflight {
  roleArn: string;
  accountId: string;
  trustPolicy: PolicyDocument;
  findings: Finding[];
  trust: MigrationPlan['trust'];
}

import type { ClusterPlan } from '../src/domain/migration-state.js';
import type { Finding, PolicyDocument, PolicyStatement, ServiceAccountRef, WorkloadRef } from '../src/domain/types.js';
import type { MigrationEvent, NotifyResult } from '../src/ports/notifier.js';

export type CredentialExpectation = 'pod-identity' | 'irsa';

/** A notification as the workflow records it: no state, so history grows with events, not events × clusters. */
export type NotifyRequest = Omit<MigrationEvent, 'state'>;

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
  /** Workloads with their restartedAt before the run, for the rollback note. */
  workloads: { ref: WorkloadRef; restartedAt?: string }[];
}

export interface RolePreflight {
  roleArn: string;
  accountId: string;
  trustPolicy: PolicyDocument;
  findings: Finding[];
  trust: { addPodIdentityStatement: boolean; sizeBefore: number; sizeAfter: number; limit: number };
}

/**
 * Every activity the workflows call. Workflows import this type only; the worker
 * registers the implementation from `createActivities(deps)`.
 */
export interface Activities {
  preflightCluster(input: ClusterTarget & { roleArn: string }): Promise<ClusterPreflight>;
  preflightRole(input: { roleArn: string; serviceAccount: ServiceAccountRef }): Promise<RolePreflight>;

  ensurePodIdentityTrust(input: { roleArn: string; sid: string }): Promise<{ added: boolean }>;
  removePodIdentityTrust(input: { roleArn: string; sid: string }): Promise<{ removed: boolean }>;
  removeIrsaTrust(input: {
    roleArn: string;
    serviceAccount: ServiceAccountRef;
    issuers: string[];
  }): Promise<{ removed: PolicyStatement[] }>;
  restoreIrsaTrust(input: { roleArn: string; removed: PolicyStatement[] }): Promise<void>;

  createAssociation(
    input: ClusterTarget & { roleArn: string; idempotencyKey: string },
  ): Promise<{ associationId: string; created: boolean }>;
  /** Deletes `associationId`, or when it is unknown (a create whose answer was lost) the association for (sa, role). */
  deleteAssociation(
    input: ClusterTarget & { roleArn: string; associationId?: string },
  ): Promise<{ deleted: boolean; associationId?: string }>;

  restartWorkloads(input: ClusterTarget & { restartedAt: string }): Promise<{ restarted: WorkloadRef[] }>;
  waitForRollouts(input: {
    cluster: string;
    workloads: WorkloadRef[];
    timeoutSeconds: number;
  }): Promise<{ detail: string }>;
  verifyCredentials(
    input: ClusterTarget & { roleArn: string; expect: CredentialExpectation; verifyCommand?: string[] },
  ): Promise<{ detail: string; warnings: string[] }>;
  setIrsaAnnotation(input: ClusterTarget & { value: string | null }): Promise<{ previous: string | null }>;

  /** The notifier renders the migration's current state, which the activity reads with the `state` query. */
  notify(request: NotifyRequest): Promise<NotifyResult>;
}

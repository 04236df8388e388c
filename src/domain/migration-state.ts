import type { FailureType } from './failure-types.js';
import type { RoleReuseReport } from './role-reuse.js';
import type { Finding, MigrationInput, NotifyTarget, PolicyDocument, WorkloadRef } from './types.js';

/**
 * The state the workflow keeps, answers the `state` query with, and renders into
 * Slack and the CLI. JSON only.
 */
export type MigrationPhase =
  | 'Preflight'
  | 'Trust'
  | 'Migrating'
  | 'AwaitingApproval'
  | 'CleaningUp'
  | 'RollingBack'
  // terminal phases
  | 'PreflightFailed'
  | 'Completed'
  | 'MigratedNotCleaned'
  | 'RolledBack'
  | 'RollbackFailed';

export const TERMINAL_PHASES: readonly MigrationPhase[] = [
  'PreflightFailed',
  'Completed',
  'MigratedNotCleaned',
  'RolledBack',
  'RollbackFailed',
];

export function isTerminalPhase(phase: MigrationPhase): boolean {
  return TERMINAL_PHASES.includes(phase);
}

export type ClusterStatus =
  'pending' | 'migrating' | 'migrated' | 'cleaning' | 'cleaned' | 'rolling-back' | 'rolled-back' | 'failed';

export type StepName =
  | 'create-association'
  | 'consistency-wait'
  | 'restart'
  | 'verify'
  | 'soak'
  // After the soak, before the gate: one more restart, and its pods verified ("pod restarts still get valid credentials").
  | 'recheck'
  | 'remove-annotation'
  | 'cleanup-restart'
  | 'cleanup-verify'
  | 'rollback-restore-annotation'
  | 'rollback-delete-association'
  | 'rollback-restart'
  | 'rollback-verify';

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface StepRecord {
  step: StepName;
  status: StepStatus;
  startedAt: string;
  finishedAt?: string;
  /** One line a human can read, e.g. `association a-123 created`. */
  detail?: string;
  warnings?: string[];
}

export interface ClusterProgress {
  cluster: string;
  status: ClusterStatus;
  steps: StepRecord[];
  /** The association this run created here (deleted on rollback), if any. */
  createdAssociationId?: string;
  /** An association for the same role that already existed: reused, never deleted. */
  reusedAssociationId?: string;
}

export interface Decision {
  decision: 'approve' | 'reject';
  by: string;
  at: string;
  reason?: string;
}

export interface RollbackNote {
  /** The IRSA annotation value per cluster before the run (null: none). */
  previousAnnotations: Record<string, string | null>;
  /** The role's trust policy before the run. */
  originalTrustPolicy?: PolicyDocument;
  /** Sid of the Pod Identity statement this run added, if it added one. */
  addedTrustStatementSid?: string;
  /** IRSA trust statements cleanup removed, to put back on rollback. */
  removedIrsaTrust?: PolicyDocument;
  /** Workloads per cluster with their restartedAt before the run. */
  workloads: Record<string, { ref: WorkloadRef; restartedAt?: string }[]>;
}

export interface FailureInfo {
  message: string;
  type: FailureType;
  cluster?: string;
  step?: StepName | 'trust' | 'approval' | 'trust-cleanup';
  at: string;
}

/** Where a run's Slack messages go: the channel, and the parent message once posted. */
export type SlackThread = NonNullable<NotifyTarget['slack']>;

export interface MigrationState {
  workflowId: string;
  /** As the run was started; never changed. */
  input: MigrationInput;
  phase: MigrationPhase;
  paused: boolean;
  abortRequested?: { by: string; at: string; reason?: string };
  startedAt: string;
  updatedAt: string;
  clusters: ClusterProgress[];
  findings: Finding[];
  /** Recorded, non-blocking problems: probe unavailable, Slack outage, … */
  warnings: string[];
  decision?: Decision;
  /** When the approval gate opened and when it closes. */
  approval?: { requestedAt: string; expiresAt: string; remindersSent: number };
  rollbackNote: RollbackNote;
  failure?: FailureInfo;
  /** Set when the run ends RollbackFailed: the exact manual steps to finish recovery. */
  manualSteps?: string[];
  /** Set in plan mode and after preflight: what the run would change. */
  plan?: MigrationPlan;
  /** The run's Slack thread: from the input, then told by the Slack app or returned by the notifier. */
  slackThread?: SlackThread;
}

export interface ClusterPlan {
  cluster: string;
  association: { action: 'create' | 'reuse'; roleArn: string; existingId?: string };
  workloadsToRestart: WorkloadRef[];
  irsaAnnotation: string | null;
  oidcIssuer?: string;
}

export interface MigrationPlan {
  serviceAccount: string;
  roleArn: string;
  trust: { addPodIdentityStatement: boolean; sizeBefore: number; sizeAfter: number; limit: number };
  clusters: ClusterPlan[];
  cleanup: { removeAnnotations: string[]; removeIrsaTrustForIssuers: string[]; keepIrsaTrust: boolean };
  findings: Finding[];
  blocked: boolean;
  /** Who else uses the role and what IAM's simulator lets each do (preflight's role reuse check). */
  roleReuse?: RoleReuseReport;
}

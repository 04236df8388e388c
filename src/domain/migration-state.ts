import type { EvidenceState } from './cloudtrail-evidence.js';
import type { FailureType } from './failure-types.js';
import type { ObservationState } from './observation.js';
import type { RoleReuseReport } from './role-reuse.js';
import type { PodIdentityTrustScope } from './trust-policy.js';
import type { Finding, MigrationInput, NotifyTarget, PolicyDocument, RequestOrigin, WorkloadRef } from './types.js';

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
  // After cleanup: samples on durable timers until the window ends (src/domain/observation.ts).
  | 'Observing'
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

/** Refused attempts beyond this many are logged but no longer kept in the state. */
export const AUDIT_LIMIT = 100;

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
  | 'consistency-retry'
  | 'soak'
  | 'cloudtrail-evidence'
  // After the soak, before the gate: one more restart, and its pods verified ("pod restarts still get valid credentials").
  | 'recheck'
  | 'remove-annotation'
  | 'cleanup-restart'
  | 'cleanup-verify'
  | 'rollback-restore-annotation'
  | 'rollback-delete-association'
  | 'rollback-consistency-wait'
  | 'rollback-restart'
  | 'rollback-verify'
  | 'rollback-consistency-retry'
  | 'rollback-recreate-association';

/** `retried`: pods were still on the old path within the consistency retry window: waited, restarted again. */
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'retried';

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
  /**
   * Rollback deleted this run's association, could not move the pods back to IRSA, and
   * created this one so the pods still on Pod Identity keep working: the manual steps delete it.
   */
  recreatedAssociationId?: string;
}

export interface Decision {
  decision: 'approve' | 'reject';
  by: string;
  at: string;
  reason?: string;
}

/** One approver's approve or reject; the gate closes on enough distinct approvals or any reject. */
export interface Approval extends Decision {
  /** The request it came from (a Slack trigger id, a CLI invocation): the same request counts once. */
  requestId?: string;
}

/** `view` (the fleet inventory) concerns no run: only its refusals are logged, never in a run's trail. */
export type AuditAction =
  | 'start'
  | 'approve'
  | 'reject'
  | 'abort'
  | 'pause'
  | 'resume'
  | 'view'
  // During the Observing phase: roll back to IRSA, or end the phase early.
  | 'rollback'
  | 'end-observation';

/** One thing someone did, or tried and was refused, about a run. */
export interface AuditEntry extends Partial<RequestOrigin> {
  at: string;
  action: AuditAction;
  by: string;
  /** Set when the attempt was refused: why. Nothing changed. */
  refused?: string;
  reason?: string;
}

export interface RollbackNote {
  /** The IRSA annotation value per cluster before the run (null: none). */
  previousAnnotations: Record<string, string | null>;
  /** The role's trust policy before the run. */
  originalTrustPolicy?: PolicyDocument;
  /**
   * Whether the role trusted Pod Identity when this run read it, under the role's lock,
   * before deciding to write: recorded before any write.
   */
  podIdentityTrustedBefore?: boolean;
  /**
   * Sid of the Pod Identity statement this run appended, recorded before the write (after a
   * read, under the role's lock, that found none admitting the run's scope and none to widen
   * to it): a statement with it afterwards is this run's doing even if the write's answer was
   * lost. A statement the run only widened is not recorded. Rollback may remove only this
   * one, and only while no association in the fleet uses the role.
   */
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
  step?: StepName | 'trust' | 'approval' | 'trust-cleanup' | 'observation';
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
  /** A second abort, during rollback: stops it at its next wait, leaving manual steps. */
  rollbackAbortRequested?: { by: string; at: string; reason?: string };
  /** The consistency retry window in effect (the option, or its default), in seconds. */
  consistencyRetryWindowSeconds?: number;
  startedAt: string;
  updatedAt: string;
  clusters: ClusterProgress[];
  findings: Finding[];
  /** Recorded, non-blocking problems: probe unavailable, Slack outage, … */
  warnings: string[];
  /** The final decision: the reject, or the approval that completed the required number. */
  decision?: Decision;
  /** Every approve and reject so far, in order. */
  approvals?: Approval[];
  /** Who did what about this run, and what was refused and why (the newest {@link AUDIT_LIMIT}). */
  audit?: AuditEntry[];
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
  /** What CloudTrail showed: the SDK audit, Pod Identity sessions per cluster, IRSA after the restarts, the STS profile. */
  evidence?: EvidenceState;
  /** The Observing phase after cleanup: its samples, alerts and how it ended. Absent: not reached, or skipped (0). */
  observation?: ObservationState;
  /** `<workflowId>/<first run id>`: the `migrate-identity/run` tag on the associations this run created. */
  runTag?: string;
}

export interface ClusterPlan {
  cluster: string;
  association: { action: 'create' | 'reuse'; roleArn: string; targetRoleArn?: string; existingId?: string };
  workloadsToRestart: WorkloadRef[];
  irsaAnnotation: string | null;
  oidcIssuer?: string;
}

export interface MigrationPlan {
  serviceAccount: string;
  roleArn: string;
  trust: {
    addPodIdentityStatement: boolean;
    sizeBefore: number;
    sizeAfter: number;
    limit: number;
    /** Whom the Pod Identity statement admits; absent: every association in the account (unscoped). */
    scope?: PodIdentityTrustScope;
    /** An existing scoped statement is extended to the scope instead of adding one. */
    widenStatement?: boolean;
  };
  clusters: ClusterPlan[];
  cleanup: { removeAnnotations: string[]; removeIrsaTrustForIssuers: string[]; keepIrsaTrust: boolean };
  findings: Finding[];
  blocked: boolean;
  /** Who else uses the role and what IAM's simulator lets each do (preflight's role reuse check). */
  roleReuse?: RoleReuseReport;
}

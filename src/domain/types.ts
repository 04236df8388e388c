/**
 * Plain data shared by the workflow, the activities, the CLI and the Slack app.
 * Everything here crosses the Temporal payload boundary, so it is JSON only:
 * no classes, no Dates (ISO strings instead), no Maps.
 */

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** An IAM policy document as AWS stores it (decoded JSON). */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: '*' | Record<string, string | string[]>;
  NotPrincipal?: Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export type FindingSeverity = 'blocking' | 'warning' | 'info';

export interface Finding {
  severity: FindingSeverity;
  /** Stable machine code, e.g. `fargate-pod`, `proxy-no-proxy`, `principal-tag-typo`. */
  code: string;
  message: string;
  /** Undefined for role-level findings. */
  cluster?: string;
}

export type OnApprovalTimeout = 'hold' | 'rollback';

export interface MigrationOptions {
  /** Durable timer between creating an association and restarting workloads. */
  consistencyWaitSeconds: number;
  /** Durable timer after a cluster is verified, before the next one. 0 allowed. */
  soakSeconds: number;
  /** Users (Slack user ids or CLI names) allowed to approve cleanup. */
  approvers: string[];
  approvalReminderSeconds: number;
  approvalWindowSeconds: number;
  onApprovalTimeout: OnApprovalTimeout;
  /** Replaces `aws sts get-caller-identity` as the in-pod probe. */
  verifyCommand?: string[];
  keepIrsaTrust: boolean;
  /** How long one cluster's rollouts may take before the step fails. */
  rolloutTimeoutSeconds: number;
  /**
   * How verification checks the caller identity: a verification pod (`pod`), the in-pod
   * probe in the app's own pods (`exec`), or both (undefined: `both`).
   */
  verifyWith?: VerifyWith;
  /** The requester accepted that the role is shared and that other service accounts' sessions get what this one gets. */
  acceptSharedRole?: boolean;
}

export type VerifyWith = 'pod' | 'exec' | 'both';

export const DEFAULT_OPTIONS: MigrationOptions = {
  consistencyWaitSeconds: 30,
  soakSeconds: 300,
  approvers: [],
  approvalReminderSeconds: 24 * 60 * 60,
  approvalWindowSeconds: 7 * 24 * 60 * 60,
  onApprovalTimeout: 'hold',
  keepIrsaTrust: false,
  rolloutTimeoutSeconds: 600,
};

/** Where the notifier posts; the Slack app fills `slack`, the CLI leaves it empty. */
export interface NotifyTarget {
  slack?: { channel: string; threadTs?: string; teamId?: string };
}

export interface MigrationInput {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  /** Ordered: clusters migrate one at a time, in this order. */
  clusters: string[];
  requestedBy: string;
  options: MigrationOptions;
  notify?: NotifyTarget;
}

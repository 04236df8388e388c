import type { AccessSnapshot } from './access-policy.js';

/**
 * Plain data shared by the workflow, the activities, the CLI and the Slack app.
 * Everything here crosses the Temporal payload boundary, so it is JSON only:
 * no classes, no Dates (ISO strings instead), no Maps.
 */
import type { EvidenceOptions } from './cloudtrail-evidence.js';
import type { ObservationOptions } from './observation.js';

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
  /** Durable timer between creating (or deleting) an association and restarting workloads. */
  consistencyWaitSeconds: number;
  /**
   * How long, after the first consistency wait, pods still found on the old path count as
   * "not propagated yet" (wait again, restart again) rather than as a failure. Default
   * `DEFAULT_CONSISTENCY_RETRY_WINDOW_SECONDS`.
   */
  consistencyRetryWindowSeconds?: number;
  /** Durable timer after a cluster is verified, before the next one. 0 allowed. */
  soakSeconds: number;
  /** Users (Slack user ids or CLI names) allowed to approve cleanup. */
  approvers: string[];
  /** Distinct approvals (never the requester's) that cleanup needs; 1 when absent. */
  minApprovals?: number;
  approvalReminderSeconds: number;
  approvalWindowSeconds: number;
  onApprovalTimeout: OnApprovalTimeout;
  /** Replaces `aws sts get-caller-identity` as the in-pod probe: the argv of `verifyProbe`, fixed at start. */
  verifyCommand?: string[];
  /** The access policy's probe the run verifies with (its argv is `verifyCommand`). */
  verifyProbe?: string;
  keepIrsaTrust: boolean;
  /** How long one cluster's rollouts may take before the step fails. */
  rolloutTimeoutSeconds: number;
  /**
   * `--unscoped-trust`: the Pod Identity trust statement gets no request-tag conditions, so
   * every association in the account that names the role can use it. Absent: scoped.
   */
  unscopedTrust?: boolean;
  /**
   * `--disable-session-tags`: the associations are created with session tags disabled (the
   * workaround for `PackedPolicyTooLarge`). The trust cannot then be scoped by request tags.
   */
  disableSessionTags?: boolean;
  /**
   * `--target-role <arn>`: the associations name this role as their target, so EKS assumes
   * the run's role and then this one (role chaining), and pods get this one's credentials.
   * It may be in another account; its trust must admit the run's role.
   */
  targetRoleArn?: string;
  /** CloudTrail evidence; what is unset takes EVIDENCE_DEFAULTS (src/domain/cloudtrail-evidence.ts). */
  evidence?: Partial<EvidenceOptions>;
  /**
   * How verification checks the caller identity: a verification pod (`pod`), the in-pod
   * probe in the app's own pods (`exec`), or both (undefined: `both`).
   */
  verifyWith?: VerifyWith;
  /** The requester accepted that the role is shared and that other service accounts' sessions get what this one gets. */
  acceptSharedRole?: boolean;
  /**
   * The `Observing` phase after cleanup (`--observe`, `--observe-every`); what is unset takes
   * OBSERVATION_DEFAULTS (src/domain/observation.ts): 7 days, a sample every 4 hours.
   */
  observation?: Partial<ObservationOptions>;
}

export type VerifyWith = 'pod' | 'exec' | 'both';

/** The seed runbook's "short retry window" after an association change. */
export const DEFAULT_CONSISTENCY_RETRY_WINDOW_SECONDS = 300;

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

/** Where a request came from. */
export interface RequestOrigin {
  via: 'slack' | 'cli';
  /** The Slack channel it was made in. */
  channel?: string;
  /** Unique per request (a Slack trigger id, a CLI invocation): repeats of one request act once. */
  requestId?: string;
}

/** Where the notifier posts; the Slack app fills `slack`, the CLI leaves it empty. */
export interface NotifyTarget {
  /**
   * `campaignTs`: a campaign's message; the run's own message goes into its thread instead
   * of the channel, and `threadTs` is then that reply.
   */
  slack?: { channel: string; threadTs?: string; teamId?: string; campaignTs?: string };
}

/** Set when a campaign (workflows/campaign) started the run. */
export interface CampaignLink {
  campaignId: string;
  /** The campaign workflow's id. */
  workflowId: string;
  wave: number;
  /**
   * Per-wave approval: the wave's approval, which the cleanup gate takes as this run's
   * decision instead of waiting for one. Unset: the run asks its approvers as any run does.
   */
  approval?: { by: string; at: string; reason?: string };
}

export interface MigrationInput {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  /** Ordered: clusters migrate one at a time, in this order. */
  clusters: string[];
  requestedBy: string;
  options: MigrationOptions;
  notify?: NotifyTarget;
  /** Where the start request came from. */
  origin?: RequestOrigin;
  /** The access policy rule the run started under, as it was then. */
  access?: AccessSnapshot;
  campaign?: CampaignLink;
}

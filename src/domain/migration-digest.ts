import type {
  Approval,
  ClusterStatus,
  Decision,
  FailureInfo,
  MigrationPhase,
  MigrationState,
  StepRecord,
} from './migration-state.js';
import type { OnApprovalTimeout, ServiceAccountRef } from './types.js';

/** One cluster as a digest shows it: its status and latest step, not the step history. */
export interface ClusterDigest {
  cluster: string;
  status: ClusterStatus;
  lastStep?: Pick<StepRecord, 'step' | 'status'>;
}

/** Consecutive clusters (in run order) whose status and latest step are the same. */
export interface ClusterGroup {
  names: string[];
  status: ClusterStatus;
  lastStep?: Pick<StepRecord, 'step' | 'status'>;
}

/**
 * A migration run as notifications and Slack messages show it. Every notification carries
 * one and is recorded in the workflow history, so it leaves out what grows with every step
 * (step histories, findings, warnings, the rollback note) and groups the clusters: clusters
 * migrate one at a time, so most share their progress with a neighbour and each adds
 * little more than its name (scripts/bench-workflow-scale.ts measures the history).
 */
export interface MigrationDigest {
  workflowId: string;
  startedAt: string;
  updatedAt: string;
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  requestedBy: string;
  approvers: string[];
  onApprovalTimeout: OnApprovalTimeout;
  keepIrsaTrust: boolean;
  phase: MigrationPhase;
  paused: boolean;
  clusterGroups: ClusterGroup[];
  approval?: MigrationState['approval'];
  /** What cleanup will do; set once the approval gate has opened (the approval request shows it). */
  cleanup?: { removeAnnotations: string[]; irsaTrustIssuers: number };
  decision?: Decision;
  /** Set when more than one approval is needed, or some were given. */
  minApprovals?: number;
  approvals?: Pick<Approval, 'decision' | 'by' | 'at'>[];
  /** The access policy rule the run started under. */
  accessRule?: string;
  abortRequested?: MigrationState['abortRequested'];
  failure?: FailureInfo;
  manualSteps?: string[];
  warningCount: number;
}

export function digestOf(state: MigrationState): MigrationDigest {
  const { input, plan } = state;
  return {
    workflowId: state.workflowId,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    serviceAccount: input.serviceAccount,
    roleArn: input.roleArn,
    requestedBy: input.requestedBy,
    approvers: input.options.approvers,
    onApprovalTimeout: input.options.onApprovalTimeout,
    keepIrsaTrust: input.options.keepIrsaTrust,
    phase: state.phase,
    paused: state.paused,
    clusterGroups: groupClusters(state),
    ...(state.approval && { approval: state.approval }),
    ...(state.approval &&
      plan && {
        cleanup: {
          removeAnnotations: plan.cleanup.removeAnnotations,
          irsaTrustIssuers: plan.cleanup.removeIrsaTrustForIssuers.length,
        },
      }),
    ...(state.decision && { decision: state.decision }),
    ...(input.options.minApprovals !== undefined &&
      input.options.minApprovals > 1 && { minApprovals: input.options.minApprovals }),
    ...(state.approvals?.length && {
      approvals: state.approvals.map(({ decision, by, at }) => ({ decision, by, at })),
    }),
    ...(input.access && { accessRule: input.access.rule }),
    ...(state.abortRequested && { abortRequested: state.abortRequested }),
    ...(state.failure && { failure: state.failure }),
    ...(state.manualSteps && { manualSteps: state.manualSteps }),
    warningCount: state.warnings.length,
  };
}

function groupClusters(state: MigrationState): ClusterGroup[] {
  const groups: ClusterGroup[] = [];
  for (const { cluster, status, steps } of state.clusters) {
    const last = steps.at(-1);
    const previous = groups.at(-1);
    if (
      previous?.status === status &&
      previous.lastStep?.step === last?.step &&
      previous.lastStep?.status === last?.status
    ) {
      previous.names.push(cluster);
    } else {
      groups.push({ names: [cluster], status, ...(last && { lastStep: { step: last.step, status: last.status } }) });
    }
  }
  return groups;
}

/** The digest's clusters one by one, in run order. */
export function clustersOf(digest: Pick<MigrationDigest, 'clusterGroups'>): ClusterDigest[] {
  return digest.clusterGroups.flatMap(({ names, status, lastStep }) =>
    names.map((cluster) => ({ cluster, status, ...(lastStep && { lastStep }) })),
  );
}

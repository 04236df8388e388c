/**
 * A campaign: many service accounts migrated by one parent workflow, each by the migration
 * workflow as a child, wave after wave, within concurrency caps. The types cross the
 * payload boundary (JSON only); the scheduling rules are pure, so they are tested alone.
 */
import type { MigrationPhase, SlackThread } from './migration-state.js';
import type { MigrationOptions, NotifyTarget, ServiceAccountRef } from './types.js';

export const CAMPAIGN_ID_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** One migration of a campaign. */
export interface CampaignItem {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  /** In migration order. */
  clusters: string[];
  wave: number;
}

/** `wave`: one approval before each wave covers its cleanups; `service-account`: each migration's own approval gate. */
export type CampaignApproval = 'wave' | 'service-account';
export const CAMPAIGN_APPROVALS: readonly CampaignApproval[] = ['wave', 'service-account'];

export interface CampaignLimits {
  /** Migrations running at once. */
  concurrency: number;
  /** Migrations running at once that touch one cluster. */
  perCluster: number;
  /** Pause after this many failed migrations (counted again from each resume). */
  failureBudget: number;
}

export const DEFAULT_LIMITS: CampaignLimits = { concurrency: 5, perCluster: 2, failureBudget: 3 };

/** A migration's phase as the campaign counts it: where it ended, or that it has not. */
export type ChildOutcome = MigrationPhase | 'Terminated' | 'Skipped';

export interface ChildProgress {
  /**
   * `observing`: the migration cleaned up and watches its first days (the Observing phase).
   * It changes nothing more unless someone rolls it back, so it holds no concurrency or
   * per-cluster cap and its wave is over; it still holds its role (its samples judge the
   * role's sessions), and the campaign waits for its end before it completes.
   */
  status: 'pending' | 'running' | 'observing' | 'done';
  runId?: string;
  startedAt?: string;
  endedAt?: string;
  /** Set once done. */
  outcome?: ChildOutcome;
  /** Why it failed, or was skipped. */
  failure?: string;
  /** Its message in the campaign's Slack thread. */
  slackTs?: string;
}

export interface WaveApproval {
  wave: number;
  by: string;
  at: string;
  reason?: string;
}

/** What a campaign has done so far: kept in its state and handed to the next run by continue-as-new. */
export interface CampaignProgress {
  startedAt: string;
  /** One per item, in the items' order. */
  children: ChildProgress[];
  approvals: WaveApproval[];
  paused?: { by: string; at: string; reason?: string };
  abortRequested?: { by: string; at: string; reason?: string };
  /** Failed migrations since the start or the last resume, against the failure budget. */
  failuresSinceResume: number;
  /** Runs of the campaign workflow so far (continue-as-new starts the next). */
  runs: number;
  /** Recent non-blocking problems (a Slack outage), newest last. */
  warnings: string[];
  /** The campaign's Slack message, once posted. */
  slackThread?: SlackThread;
}

export interface CampaignInput {
  campaignId: string;
  requestedBy: string;
  /** In wave order. */
  items: CampaignItem[];
  /** Who may approve a wave; each migration gets them as its approvers. */
  approvers: string[];
  approval: CampaignApproval;
  limits: CampaignLimits;
  /** Every migration's options; `approvers` is replaced by the campaign's. */
  options: MigrationOptions;
  notify?: NotifyTarget;
  /** Continue as new once the history has this many events (and no migration runs). Default 10,000. */
  historyLimit?: number;
  /** Set by continue-as-new only. */
  progress?: CampaignProgress;
}

export type CampaignPhase = 'AwaitingApproval' | 'Running' | 'Paused' | 'Aborting' | 'Completed' | 'Aborted';

export function isTerminalCampaignPhase(phase: CampaignPhase): boolean {
  return phase === 'Completed' || phase === 'Aborted';
}

export interface CampaignState extends CampaignProgress {
  campaignId: string;
  workflowId: string;
  phase: CampaignPhase;
  /** The lowest wave with work left; unset once every migration is done. */
  wave?: number;
  requestedBy: string;
  approvers: string[];
  approval: CampaignApproval;
  limits: CampaignLimits;
  items: CampaignItem[];
  updatedAt: string;
}

/** Outcomes counted as failures against the budget. */
export const FAILED_OUTCOMES: readonly ChildOutcome[] = [
  'PreflightFailed',
  'RolledBack',
  'RollbackFailed',
  'Terminated',
];
/** Outcomes that pause the campaign at once: something is half done and needs a human. */
export const STOPPING_OUTCOMES: readonly ChildOutcome[] = ['RollbackFailed', 'Terminated'];

/** Roles are one per account and name; an annotation may leave out the path. */
export function roleKey(roleArn: string): string {
  const match = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return match ? `${match[1] ?? ''}:${(match[2] ?? '').toLowerCase()}` : roleArn;
}

/** A migration the campaign still waits on before its wave is over: not started, or not yet cleaned up. */
const inWave = (child: ChildProgress | undefined) => child?.status !== 'done' && child?.status !== 'observing';

/**
 * The lowest wave that still has a migration to start or to clean up. A migration that
 * observes has finished its changes: the next wave may start.
 */
export function currentWave(items: CampaignItem[], children: ChildProgress[]): number | undefined {
  let wave: number | undefined;
  items.forEach((item, i) => {
    if (inWave(children[i]) && (wave === undefined || item.wave < wave)) wave = item.wave;
  });
  return wave;
}

/**
 * The next migration to start in `wave`, or undefined: every cap is checked against the
 * migrations running now (global, each of its clusters, its role, its service account);
 * one that observes counts only for its role and its service account.
 * Items of the wave are tried in order, so one waiting for its role lets the next go.
 */
export function nextToStart(
  items: CampaignItem[],
  children: ChildProgress[],
  limits: CampaignLimits,
  wave: number,
): number | undefined {
  const running = items.filter((_, i) => children[i]?.status === 'running');
  if (running.length >= limits.concurrency) return undefined;
  const perCluster = new Map<string, number>();
  for (const item of running) for (const c of item.clusters) perCluster.set(c, (perCluster.get(c) ?? 0) + 1);
  // An observing migration still holds its role: its samples judge the role's sessions, and
  // its rollback would rewrite the role's trust.
  const open = items.filter((_, i) => children[i]?.status === 'running' || children[i]?.status === 'observing');
  const roles = new Set(open.map((item) => roleKey(item.roleArn)));
  const accounts = new Set(open.map((item) => `${item.serviceAccount.namespace}/${item.serviceAccount.name}`));
  const index = items.findIndex(
    (item, i) =>
      item.wave === wave &&
      children[i]?.status === 'pending' &&
      !roles.has(roleKey(item.roleArn)) &&
      !accounts.has(`${item.serviceAccount.namespace}/${item.serviceAccount.name}`) &&
      item.clusters.every((c) => (perCluster.get(c) ?? 0) < limits.perCluster),
  );
  return index === -1 ? undefined : index;
}

export type CampaignCounts = Record<'pending' | 'running' | 'observing' | ChildOutcome, number>;

const COUNT_KEYS: (keyof CampaignCounts)[] = [
  'pending',
  'running',
  'observing',
  'Completed',
  'MigratedNotCleaned',
  'PreflightFailed',
  'RolledBack',
  'RollbackFailed',
  'Terminated',
  'Skipped',
];

/** Migrations by where they stand; only the keys with some, in a fixed order. */
export function campaignCounts(children: ChildProgress[]): Partial<CampaignCounts> {
  const counts: Partial<CampaignCounts> = {};
  for (const key of COUNT_KEYS) {
    const n = children.filter((c) => (c.status === 'done' ? c.outcome === key : c.status === key)).length;
    if (n > 0) counts[key] = n;
  }
  return counts;
}

/** A failed migration as the campaign's messages show it. */
export interface CampaignFailure {
  serviceAccount: string;
  workflowId: string;
  runId?: string;
  outcome: ChildOutcome;
  failure?: string;
  slackTs?: string;
}

/** The campaign as notifications show it: counts and failures, not every migration. */
export interface CampaignDigest {
  campaignId: string;
  workflowId: string;
  phase: CampaignPhase;
  wave?: number;
  waves: number;
  requestedBy: string;
  approval: CampaignApproval;
  approvers: string[];
  limits: CampaignLimits;
  total: number;
  counts: Partial<CampaignCounts>;
  /** The most recent failures first, at most `MAX_DIGEST_FAILURES`. */
  failures: CampaignFailure[];
  failureCount: number;
  paused?: CampaignProgress['paused'];
  abortRequested?: CampaignProgress['abortRequested'];
  /** The wave waiting for approval, if any. */
  awaitingWave?: number;
  startedAt: string;
  updatedAt: string;
}

export const MAX_DIGEST_FAILURES = 10;

export function failuresOf(state: CampaignState, workflowIdOf: (item: CampaignItem) => string): CampaignFailure[] {
  return state.items
    .map((item, i) => ({ item, child: state.children[i] }))
    .filter(
      ({ child }) =>
        child?.outcome !== undefined && (FAILED_OUTCOMES.includes(child.outcome) || child.outcome === 'Skipped'),
    )
    .sort((a, b) => (b.child?.endedAt ?? '').localeCompare(a.child?.endedAt ?? ''))
    .map(({ item, child }) => ({
      serviceAccount: `${item.serviceAccount.namespace}/${item.serviceAccount.name}`,
      workflowId: workflowIdOf(item),
      ...(child?.runId ? { runId: child.runId } : {}),
      outcome: child?.outcome ?? 'Terminated',
      ...(child?.failure ? { failure: child.failure } : {}),
      ...(child?.slackTs ? { slackTs: child.slackTs } : {}),
    }));
}

export function campaignDigest(state: CampaignState, workflowIdOf: (item: CampaignItem) => string): CampaignDigest {
  const failures = failuresOf(state, workflowIdOf);
  return {
    campaignId: state.campaignId,
    workflowId: state.workflowId,
    phase: state.phase,
    ...(state.wave === undefined ? {} : { wave: state.wave }),
    waves: new Set(state.items.map((i) => i.wave)).size,
    requestedBy: state.requestedBy,
    approval: state.approval,
    approvers: state.approvers,
    limits: state.limits,
    total: state.items.length,
    counts: campaignCounts(state.children),
    failures: failures.slice(0, MAX_DIGEST_FAILURES),
    failureCount: failures.length,
    ...(state.paused ? { paused: state.paused } : {}),
    ...(state.abortRequested ? { abortRequested: state.abortRequested } : {}),
    ...(state.phase === 'AwaitingApproval' && state.wave !== undefined ? { awaitingWave: state.wave } : {}),
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
  };
}

/** Why `by` may not approve `wave` now, or undefined when they may. */
export function waveApprovalRefusal(
  state: Pick<CampaignState, 'phase' | 'wave' | 'approvers' | 'requestedBy' | 'approval' | 'approvals'>,
  request: { by: string; wave?: number },
): string | undefined {
  if (state.approval !== 'wave') return 'this campaign has no wave approvals: each migration asks for its own';
  if (state.phase !== 'AwaitingApproval' || state.wave === undefined) {
    return `no wave is waiting for approval: the campaign is ${state.phase}`;
  }
  if (request.wave !== undefined && request.wave !== state.wave) {
    return `wave ${state.wave} is waiting for approval, not wave ${request.wave}`;
  }
  if (!state.approvers.includes(request.by)) {
    return `${request.by} is not an approver of this campaign (approvers: ${state.approvers.join(', ') || 'none'})`;
  }
  if (request.by === state.requestedBy) return `${request.by} requested this campaign and cannot approve it`;
  return undefined;
}

import {
  condition,
  isCancellation,
  log,
  setCurrentDetails,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  campaignDigest,
  currentWave,
  FAILED_OUTCOMES,
  STOPPING_OUTCOMES,
  type CampaignInput,
  type CampaignPhase,
  type CampaignProgress,
  type CampaignState,
  type ChildOutcome,
} from '../../src/domain/campaign.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { CampaignNotificationKind } from '../../src/ports/notifier.js';
import { activities, NOTIFY } from '../activity-options.js';
import type { migrationWorkflow } from '../migration/workflow.js';
import { nowIso } from '../state.js';
import { campaignDetails } from './details.js';

/** How a migration ended, as the campaign records it. */
export interface ChildEnd {
  outcome: ChildOutcome;
  failure?: string;
  slackTs?: string;
}

/** Progress updates of the campaign's message come at most this often; events that matter go at once. */
export const PROGRESS_EVERY_MS = 10_000;
const MAX_WARNINGS = 20;
/** Continue as new past this many history events, unless the input says otherwise. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

const nameOf = (sa: { namespace: string; name: string }) => `${sa.namespace}/${sa.name}`;

/**
 * One run of a campaign: its state, the handles of the migrations it started, and the
 * helpers every part uses (details, phase, notifications). `version` changes with anything
 * the scheduling loop waits for: a migration ending, a signal, an approval.
 */
export class CampaignRun {
  readonly state: CampaignState;
  readonly handles = new Map<number, ChildWorkflowHandle<typeof migrationWorkflow>>();
  version = 0;
  private readonly outbox: { kind: CampaignNotificationKind; text: string }[] = [];
  private latestChange = '';
  private progressDue = false;
  private sending = false;
  private closing = false;

  constructor(readonly input: CampaignInput) {
    // The first run starts the progress; continue-as-new hands it to the next.
    const progress: CampaignProgress = input.progress ?? {
      startedAt: nowIso(),
      children: input.items.map(() => ({ status: 'pending' })),
      approvals: [],
      failuresSinceResume: 0,
      runs: 0,
      warnings: [],
      ...(input.notify?.slack && { slackThread: { ...input.notify.slack } }),
    };
    progress.runs += 1;
    this.state = {
      ...progress,
      campaignId: input.campaignId,
      workflowId: workflowInfo().workflowId,
      phase: 'Running',
      requestedBy: input.requestedBy,
      approvers: input.approvers,
      approval: input.approval,
      limits: input.limits,
      items: input.items,
      updatedAt: nowIso(),
    };
    this.refresh();
  }

  /** What the next run continues from. */
  progress(): CampaignProgress {
    const s = this.state;
    return {
      startedAt: s.startedAt,
      children: s.children,
      approvals: s.approvals,
      ...(s.paused ? { paused: s.paused } : {}),
      ...(s.abortRequested ? { abortRequested: s.abortRequested } : {}),
      failuresSinceResume: s.failuresSinceResume,
      runs: s.runs,
      warnings: s.warnings,
      ...(s.slackThread ? { slackThread: s.slackThread } : {}),
    };
  }

  refresh(): void {
    const wave = currentWave(this.input.items, this.state.children);
    if (wave === undefined) delete this.state.wave;
    else this.state.wave = wave;
    this.state.updatedAt = nowIso();
    setCurrentDetails(campaignDetails(this.state));
  }

  /** Something the scheduling loop waits for happened. */
  changed(): void {
    this.version += 1;
    this.refresh();
  }

  setPhase(phase: CampaignPhase): void {
    if (this.state.phase === phase) return;
    this.state.phase = phase;
    log.info('campaign phase', { phase });
    this.refresh();
    this.progressDue = true;
  }

  /** Migrations still changing things: they hold the caps, and an abort rolls them back. */
  running(): number[] {
    return this.state.children.flatMap((c, i) => (c.status === 'running' ? [i] : []));
  }

  /** Migrations whose workflow has not ended: running, or observing after their cleanup. */
  open(): number[] {
    return this.state.children.flatMap((c, i) => (c.status === 'running' || c.status === 'observing' ? [i] : []));
  }

  /** A migration the campaign started entered its Observing phase (its signal, by workflow id). */
  childObserving(workflowId: string): void {
    const index = this.input.items.findIndex(
      (item, i) => this.state.children[i]?.status === 'running' && workflowIdFor(item.serviceAccount) === workflowId,
    );
    const child = this.state.children[index];
    const item = this.input.items[index];
    if (!child || !item) return;
    child.status = 'observing';
    const sa = nameOf(item.serviceAccount);
    log.info('migration observing', { serviceAccount: sa });
    this.latestChange = `${sa}: cleaned up, observing`;
    this.progressDue = true;
    this.changed();
  }

  approved(wave: number): boolean {
    return this.state.approvals.some((a) => a.wave === wave);
  }

  /** Past the history limit: start no more migrations, and continue as new once none is open (a new run could not learn their ends). */
  historyFull(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (this.input.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  }

  pause(by: string, reason?: string): void {
    this.state.paused = { by, at: nowIso(), ...(reason ? { reason } : {}) };
    this.notify('paused', `paused by ${by}${reason ? `: ${reason}` : ''}: running migrations go on, no new one starts`);
    this.changed();
  }

  /** A migration ended: its outcome, the failure budget, and a progress update. */
  childEnded(index: number, end: ChildEnd): void {
    const child = this.state.children[index];
    const item = this.input.items[index];
    if (!child || !item || child.status === 'done') return;
    this.handles.delete(index);
    child.status = 'done';
    child.endedAt = nowIso();
    child.outcome = end.outcome;
    if (end.failure) child.failure = end.failure;
    if (end.slackTs) child.slackTs = end.slackTs;
    const sa = nameOf(item.serviceAccount);
    log.info('migration ended', { serviceAccount: sa, outcome: end.outcome });
    this.latestChange = `${sa}: ${end.outcome}${end.failure ? ` (${end.failure})` : ''}`;
    this.progressDue = true;
    if (FAILED_OUTCOMES.includes(end.outcome)) this.state.failuresSinceResume += 1;
    if (!this.state.abortRequested && !this.state.paused) {
      if (STOPPING_OUTCOMES.includes(end.outcome)) {
        this.pause('the campaign', `${sa} ended ${end.outcome}: a human has to finish it (see its run)`);
      } else if (this.state.failuresSinceResume >= this.input.limits.failureBudget) {
        this.pause(
          'the failure budget',
          `${this.state.failuresSinceResume} migration(s) failed (budget ${this.input.limits.failureBudget})`,
        );
      }
    }
    this.changed();
  }

  /** Queued for the notification lane, in order; the campaign never waits on Slack. */
  notify(kind: CampaignNotificationKind, text: string): void {
    this.outbox.push({ kind, text });
  }

  /** Sends queued events one at a time; progress updates coalesce, at most one per PROGRESS_EVERY_MS. */
  async lane(): Promise<void> {
    for (;;) {
      await condition(() => this.outbox.length > 0 || this.progressDue || this.closing);
      const event =
        this.outbox.shift() ?? (this.progressDue ? { kind: 'progress' as const, text: this.latestChange } : undefined);
      if (!event) return;
      this.progressDue = false;
      this.sending = true;
      await this.send(event.kind, event.text);
      this.sending = false;
      if (event.kind === 'progress' && !this.closing) {
        await condition(() => this.outbox.length > 0 || this.closing, PROGRESS_EVERY_MS);
      }
    }
  }

  /** Waits until everything queued is sent. */
  async flush(): Promise<void> {
    await condition(() => this.outbox.length === 0 && !this.progressDue && !this.sending);
  }

  /** Sends what is queued, then ends the lane. */
  async close(lane: Promise<void>): Promise<void> {
    this.closing = true;
    await lane;
  }

  private async send(kind: CampaignNotificationKind, text: string): Promise<void> {
    const { slackThread } = this.state;
    try {
      const result = await activities(NOTIFY, `notify campaign ${kind}`).notifyCampaign({
        kind,
        text,
        ...(slackThread && { slackThread: { ...slackThread } }),
        campaign: campaignDigest(this.state, (item) => workflowIdFor(item.serviceAccount)),
      });
      if (result.warning) this.warn(result.warning);
      if (result.threadTs && slackThread) slackThread.threadTs = result.threadTs;
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.warn(`notification "${text}" not delivered: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private warn(warning: string): void {
    this.state.warnings = [...this.state.warnings, warning].slice(-MAX_WARNINGS);
  }
}

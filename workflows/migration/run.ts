import {
  condition,
  isCancellation,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../../src/domain/failure-types.js';
import { digestOf } from '../../src/domain/migration-digest.js';
import {
  AUDIT_LIMIT,
  type AuditAction,
  type AuditEntry,
  type FailureInfo,
  type MigrationPhase,
  type MigrationState,
  type StepName,
} from '../../src/domain/migration-state.js';
import { clip } from '../../src/domain/redact.js';
import type { Finding, MigrationInput } from '../../src/domain/types.js';
import type { NotificationKind } from '../../src/ports/notifier.js';
import { activities, NOTIFY } from '../activity-options.js';
import { MigrationPhaseKey } from '../search-attributes.js';
import { beginStep, clusterProgress, currentDetails, endStep, failureInfo, initialState, nowIso } from '../state.js';

/** An abort signal (or a Temporal cancel) seen at a step boundary or during a wait. */
export class MigrationAborted extends Error {}
/** A Reject, or an approval window that ended in rollback. */
export class MigrationRejected extends Error {}

/** What this run changed, recorded before each change so rollback also covers a change whose answer was lost. */
export interface Touched {
  clusters: Record<string, { associationAttempted?: boolean; restarted?: boolean; annotationRemoved?: boolean }>;
  trustAdded: boolean;
}

export interface StepOutcome<T> {
  /** One line for the step record and the notification. */
  detail: string;
  warnings?: string[];
  value?: T;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One migration run: its state, what it touched, and the helpers every phase uses (the
 * Temporal UI details, notifications, recorded steps, pause/abort boundaries, durable
 * waits). Each phase is a function of the run in its own file; the message handlers act
 * on the same run.
 */
export class MigrationRun {
  readonly state: MigrationState;
  readonly touched: Touched = { clusters: {}, trustAdded: false };

  constructor(readonly input: MigrationInput) {
    this.state = initialState(workflowInfo().workflowId, input);
  }

  get options() {
    return this.input.options;
  }

  get serviceAccount() {
    return this.input.serviceAccount;
  }

  /** Notes a change to a cluster before the call that makes it. */
  touch(cluster: string, change: keyof Touched['clusters'][string]): void {
    this.touched.clusters[cluster] = { ...this.touched.clusters[cluster], [change]: true };
  }

  /** Whether this request (by its id) already acted on the run: a repeat must not act again. */
  handled(requestId: string | undefined): boolean {
    return requestId !== undefined && (this.state.audit ?? []).some((e) => e.requestId === requestId && !e.refused);
  }

  /**
   * Records who did (or tried) what in the audit trail and the workflow log. Refusals
   * beyond AUDIT_LIMIT are only logged, so a flood of refused clicks cannot grow the state.
   */
  audit(action: AuditAction, request: Omit<AuditEntry, 'at' | 'action'>): void {
    const trail = (this.state.audit ??= []);
    const entry: AuditEntry = {
      at: nowIso(),
      action,
      by: clip(request.by, 200),
      ...(request.via && { via: request.via }),
      ...(request.channel && { channel: clip(request.channel, 50) }),
      ...(request.requestId && { requestId: clip(request.requestId, 200) }),
      ...(request.reason && { reason: clip(request.reason, 500) }),
      ...(request.refused && { refused: clip(request.refused, 500) }),
    };
    if (entry.refused && trail.filter((e) => e.refused).length >= AUDIT_LIMIT) {
      log.warn('audit trail full: refusal not kept', { ...entry });
      return;
    }
    trail.push(entry);
    log.info('audit', { ...entry });
  }

  refresh(): void {
    this.state.updatedAt = nowIso();
    setCurrentDetails(currentDetails(this.state));
  }

  setPhase(phase: MigrationPhase): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: MigrationPhaseKey, value: phase }]);
    log.info('phase', { phase });
    this.refresh();
  }

  /** Reports an event with a digest of the run. Never fails the run: an undelivered event is a warning. */
  async notify(kind: NotificationKind, text: string, about: { cluster?: string; findings?: Finding[] } = {}) {
    const { slackThread } = this.state;
    try {
      const result = await activities(NOTIFY, `notify ${kind}`).notify({
        kind,
        text,
        ...about,
        ...(slackThread && { slackThread: { ...slackThread } }),
        migration: digestOf(this.state),
      });
      if (result.warning) this.state.warnings.push(result.warning);
      if (result.threadTs && slackThread) slackThread.threadTs = result.threadTs;
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.state.warnings.push(`notification "${text}" not delivered: ${errorMessage(err)}`);
    }
  }

  /**
   * One recorded step of a cluster: its record, then a notification of its outcome. A
   * failure marks the step and the cluster failed, becomes the run's failure if it is the
   * first, and is rethrown.
   */
  async step<T>(
    cluster: string,
    name: StepName,
    body: () => Promise<StepOutcome<T>>,
    kind: 'step' | 'rollback-step' = 'step',
  ): Promise<T | undefined> {
    const record = beginStep(this.state, cluster, name);
    this.refresh();
    try {
      const result = await body();
      endStep(this.state, record, 'succeeded', result.detail, result.warnings);
      this.refresh();
      await this.notify(kind, `${cluster}: ${result.detail}`, { cluster });
      return result.value;
    } catch (err) {
      endStep(this.state, record, 'failed', errorMessage(err));
      this.recordFailure(err, { cluster, step: name });
      clusterProgress(this.state, cluster).status = 'failed';
      this.refresh();
      throw err;
    }
  }

  /** A step that needs no doing, recorded as skipped. */
  skipStep(cluster: string, name: StepName, detail: string): void {
    endStep(this.state, beginStep(this.state, cluster, name), 'skipped', detail);
  }

  /** The run reports its first failure; later ones (rollback steps) stay in their steps. */
  recordFailure(err: unknown, where: Pick<FailureInfo, 'cluster' | 'step'> = {}): void {
    this.state.failure ??= failureOf(err, where);
  }

  /** Step boundary: waits while paused, stops on abort. */
  async checkpoint(): Promise<void> {
    if (this.state.paused) {
      this.refresh();
      await condition(() => !this.state.paused || this.state.abortRequested !== undefined);
    }
    if (this.state.abortRequested) throw new MigrationAborted(`aborted by ${this.state.abortRequested.by}`);
  }

  /** A durable timer that an abort interrupts. */
  async wait(seconds: number): Promise<void> {
    if (seconds <= 0) return;
    if (await condition(() => this.state.abortRequested !== undefined, seconds * 1000)) {
      throw new MigrationAborted(`aborted by ${this.state.abortRequested?.by ?? 'unknown'}`);
    }
  }
}

function failureOf(err: unknown, where: Pick<FailureInfo, 'cluster' | 'step'>): FailureInfo {
  if (err instanceof MigrationAborted || isCancellation(err)) {
    const message = err instanceof MigrationAborted ? err.message : 'cancelled through Temporal';
    return { type: FailureType.Aborted, message, ...where, at: nowIso() };
  }
  if (err instanceof MigrationRejected) {
    return { type: FailureType.Rejected, message: err.message, step: 'approval', at: nowIso() };
  }
  return failureInfo(err, where);
}

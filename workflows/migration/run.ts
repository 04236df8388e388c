import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../../src/domain/failure-types.js';
import { digestOf, type MigrationDigest } from '../../src/domain/migration-digest.js';
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
import { DEFAULT_CONSISTENCY_RETRY_WINDOW_SECONDS, type Finding, type MigrationInput } from '../../src/domain/types.js';
import type { NotificationKind } from '../../src/ports/notifier.js';
import { activities, HELD_NOTIFICATIONS_PATCH, NOTIFICATION_HOLD_MS, NOTIFY, NOTIFY_ALL } from '../activity-options.js';
import { roleLockGrantedSignal } from '../role-lock.js';
import { MigrationPhaseKey } from '../search-attributes.js';
import {
  beginStep,
  clusterProgress,
  currentDetails,
  describeError,
  endStep,
  failureInfo,
  initialState,
  nowIso,
} from '../state.js';

/** An abort signal (or a Temporal cancel) seen at a step boundary or during a wait. */
/** Runs from before it waited for each notification to be delivered before going on. */
export const NOTIFY_IN_BACKGROUND_PATCH = 'notify-in-background';

export class MigrationAborted extends Error {}
/** The name of the error a rollback asked for while observing throws (workflows/migration/observation.ts). */
export const ROLLBACK_REQUESTED = 'RollbackRequested';
/** A Reject, or an approval window that ended in rollback. */
export class MigrationRejected extends Error {}

/** An event of the run, as `notify` took it. */
interface RunEvent {
  kind: NotificationKind;
  text: string;
  about: { cluster?: string; findings?: Finding[] };
  migration: MigrationDigest;
}

/** Events that go out at once: the one that opens the thread, and those people act on or wait for. */
const SENT_AT_ONCE: ReadonlySet<NotificationKind> = new Set([
  'started',
  'approval-requested',
  'approval-reminder',
  'observation-alert',
  'finished',
]);

/** What this run changed, recorded before each change so rollback also covers a change whose answer was lost. */
export interface Touched {
  clusters: Record<string, { associationAttempted?: boolean; restarted?: boolean; annotationRemoved?: boolean }>;
}

export interface StepOutcome<T> {
  /** One line for the step record and the notification. */
  detail: string;
  warnings?: string[];
  value?: T;
  /** Not done yet, and not a failure: pods still on the old path within the retry window. */
  retried?: boolean;
}

/** What failed, in words: the activity's own failure (type and message), never "Activity task failed". */
export function errorMessage(err: unknown): string {
  return describeError(err);
}

/**
 * One migration run: its state, what it touched, and the helpers every phase uses (the
 * Temporal UI details, notifications, recorded steps, pause/abort boundaries, durable
 * waits). Each phase is a function of the run in its own file; the message handlers act
 * on the same run.
 */
export class MigrationRun {
  readonly state: MigrationState;
  readonly touched: Touched = { clusters: {} };
  /** Role-lock requests granted to this run (see workflows/role-lock.ts). */
  readonly lockGrants = new Set<string>();
  private lockRequests = 0;
  /** The notifications in flight, chained: each is sent after the one before. */
  private notifications: Promise<void> = Promise.resolve();
  private notifyCancelled: Error | undefined;
  /** Events held until the run next waits (HELD_NOTIFICATIONS_PATCH), and whether a hold timer is out. */
  private held: RunEvent[] = [];
  private holding = false;
  /** Role-lock releases on their way (FEWER_ROUND_TRIPS_PATCH): each never rejects. */
  private releases: Promise<void>[] = [];
  /** Verification-pod sweeps beside a phase's first steps (OVERLAPPED_CALLS_PATCH): reject only when cancelled. */
  private sweeps: Promise<void>[] = [];

  constructor(readonly input: MigrationInput) {
    this.state = initialState(workflowInfo().workflowId, input);
    this.state.consistencyRetryWindowSeconds =
      input.options.consistencyRetryWindowSeconds ?? DEFAULT_CONSISTENCY_RETRY_WINDOW_SECONDS;
    // The change record's rollback steps name the run's associations by it (state only, no command).
    this.state.runTag = this.runTag;
    setHandler(roleLockGrantedSignal, ({ requestId }) => void this.lockGrants.add(requestId), {
      description: 'The role lock is granted to this run (trust-policy writes).',
    });
  }

  /** `<workflowId>/<runId>`: the tag on the associations this run creates. */
  get runTag(): string {
    const { workflowId, firstExecutionRunId } = workflowInfo();
    return `${workflowId}/${firstExecutionRunId}`;
  }

  /**
   * A new role-lock request id: `<workflowId>/<runId>/lock-<n>`, counted by the run. Not
   * `uuid4()`: the workflow's random stream also feeds the OpenTelemetry interceptor's span
   * ids, which query handlers and update validators draw from on the live worker but never
   * on replay, so a random id would differ on replay from the one the lock granted.
   */
  nextLockRequestId(): string {
    const { workflowId, runId } = workflowInfo();
    this.lockRequests += 1;
    return `${workflowId}/${runId}/lock-${this.lockRequests}`;
  }

  get retryWindowSeconds(): number {
    return this.state.consistencyRetryWindowSeconds ?? DEFAULT_CONSISTENCY_RETRY_WINDOW_SECONDS;
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

  /**
   * Reports an event with a digest of the run as it is now. Never fails the run: an
   * undelivered event is a warning. The run goes on while it is delivered (deliveries go
   * out one at a time, in order, each event in the Slack thread the first one opened).
   * Since HELD_NOTIFICATIONS_PATCH an event is held until the run next waits (at most
   * NOTIFICATION_HOLD_MS), unless people act on it or wait for it (SENT_AT_ONCE); runs from
   * before NOTIFY_IN_BACKGROUND_PATCH wait for each, and their replays still do.
   */
  async notify(kind: NotificationKind, text: string, about: { cluster?: string; findings?: Finding[] } = {}) {
    const event: RunEvent = { kind, text, about, migration: digestOf(this.state) };
    if (!patched(NOTIFY_IN_BACKGROUND_PATCH)) return this.deliver(event);
    if (patched(HELD_NOTIFICATIONS_PATCH)) {
      this.held.push(event);
      if (SENT_AT_ONCE.has(kind)) this.sendHeld();
      else this.holdAtMost(NOTIFICATION_HOLD_MS);
      return;
    }
    this.send(() => this.deliver(event));
  }

  /**
   * The held events go out now, in one delivery after those already out: the run is about
   * to wait (a restart and its rollouts, a timer, the gate, a pause, a lock grant, its end),
   * so their completion takes no workflow task from a short call's path.
   */
  sendHeld(): void {
    if (this.held.length === 0) return;
    const events = this.held.splice(0);
    this.send(() => this.deliverAll(events));
  }

  /** Held events go out within `ms` whatever the run does: a timer the next sendHeld cancels. */
  private holdAtMost(ms: number): void {
    if (this.holding) return;
    this.holding = true;
    void condition(() => this.held.length === 0, ms)
      .then((sent) => {
        if (!sent) this.sendHeld();
      })
      // Cancelled with the run: what is still held goes out with backgroundSettled.
      .catch(() => undefined)
      .finally(() => {
        this.holding = false;
      });
  }

  /** Chains a delivery after those out. Never a rejected promise left unawaited (the workflow sandbox fails the task on one): a cancellation is kept and rethrown by backgroundSettled. */
  private send(delivery: () => Promise<void>): void {
    this.notifications = this.notifications.then(delivery).catch((err: unknown) => {
      this.notifyCancelled ??= err instanceof Error ? err : new Error(String(err));
    });
  }

  /** A role-lock release the run does not wait for now; it waits for it before it returns. */
  releaseInBackground(release: Promise<void>): void {
    this.releases.push(release);
  }

  /** A verification-pod sweep the phase does not wait for; a verification pod does (`sweepsDone`). */
  sweepInBackground(sweep: Promise<void>): void {
    // Handled now (the workflow sandbox fails the task on a rejection left unawaited); awaited later.
    sweep.catch(() => undefined);
    this.sweeps.push(sweep);
  }

  /** The sweeps in flight are over: before a verification pod starts (a sweep would delete it). */
  async sweepsDone(): Promise<void> {
    await Promise.all(this.sweeps.splice(0));
  }

  /**
   * Waits for the notifications, lock releases and sweeps in flight: before the run returns,
   * so the last notification is sent and the lock has heard of every release.
   */
  async backgroundSettled(): Promise<void> {
    this.sendHeld();
    await Promise.all(this.releases.splice(0));
    await this.sweepsDone();
    await this.notifications;
    if (this.notifyCancelled) throw this.notifyCancelled;
  }

  /**
   * Held events in one `notifyAll`, in order; what it says back applied as `deliver` does.
   * Not folded into one helper with `deliver`: the extra awaits a shared helper adds move
   * where the next chained delivery is scheduled among the run's other commands, and the
   * histories recorded before HELD_NOTIFICATIONS_PATCH no longer replay (tried: 15 failed).
   */
  private async deliverAll(events: RunEvent[]) {
    const { slackThread } = this.state;
    const summary = events.length === 1 ? `notify ${events[0]!.kind}` : `notify ${events.length} events`;
    try {
      const results = await activities(NOTIFY_ALL, summary).notifyAll(
        events.map(({ kind, text, about, migration }) => ({
          kind,
          text,
          ...about,
          ...(slackThread && { slackThread: { ...slackThread } }),
          migration,
        })),
      );
      for (const result of results) {
        if (result.warning) this.state.warnings.push(result.warning);
        if (result.threadTs && slackThread) slackThread.threadTs = result.threadTs;
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      for (const { text } of events)
        this.state.warnings.push(`notification "${text}" not delivered: ${errorMessage(err)}`);
    }
  }

  private async deliver(event: RunEvent) {
    const { kind, text, about, migration } = event;
    const { slackThread } = this.state;
    try {
      const result = await activities(NOTIFY, `notify ${kind}`).notify({
        kind,
        text,
        ...about,
        ...(slackThread && { slackThread: { ...slackThread } }),
        migration,
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
      endStep(this.state, record, result.retried ? 'retried' : 'succeeded', result.detail, result.warnings);
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
      this.sendHeld();
      await condition(() => !this.state.paused || this.state.abortRequested !== undefined);
    }
    if (this.state.abortRequested) throw new MigrationAborted(`aborted by ${this.state.abortRequested.by}`);
  }

  /** A durable timer that an abort interrupts. */
  async wait(seconds: number): Promise<void> {
    if (seconds <= 0) return;
    this.sendHeld();
    if (await condition(() => this.state.abortRequested !== undefined, seconds * 1000)) {
      throw new MigrationAborted(`aborted by ${this.state.abortRequested?.by ?? 'unknown'}`);
    }
  }

  /** A second abort arrived: rollback stops at its next wait. */
  get rollbackInterrupted(): boolean {
    return this.state.rollbackAbortRequested !== undefined;
  }

  /** A durable timer in rollback: a second abort ends it early. Returns false when interrupted. */
  async rollbackWait(seconds: number): Promise<boolean> {
    if (this.rollbackInterrupted) return false;
    if (seconds <= 0) return true;
    this.sendHeld();
    return !(await condition(() => this.rollbackInterrupted, seconds * 1000));
  }

  /**
   * Runs `work` (a long activity, such as a rollout wait) so that a second abort cancels it;
   * rollback itself runs in a non-cancellable scope, so this is its only way out of a wait.
   * Returns `interrupted` when cancelled that way.
   */
  async interruptible<T>(work: () => Promise<T>): Promise<T | 'interrupted'> {
    if (this.rollbackInterrupted) return 'interrupted';
    this.sendHeld();
    const scope = new CancellationScope({ cancellable: true });
    let finished = false;
    void condition(() => finished || this.rollbackInterrupted).then(() => {
      if (!finished) scope.cancel();
    });
    try {
      return await scope.run(work);
    } catch (err) {
      if (isCancellation(err) && this.rollbackInterrupted) return 'interrupted';
      throw err;
    } finally {
      finished = true;
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
  if (err instanceof Error && err.name === ROLLBACK_REQUESTED) {
    return { type: FailureType.RollbackRequested, message: err.message, step: 'observation', at: nowIso() };
  }
  return failureInfo(err, where);
}

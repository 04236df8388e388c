import type { MigrationsApi } from '../../slack/app.js';
import { approvalContextOf, gateOutcome } from '../../src/domain/approval.js';
import {
  isTerminalPhase,
  type AuditEntry,
  type MigrationPhase,
  type MigrationPlan,
  type MigrationState,
} from '../../src/domain/migration-state.js';
import { formatServiceAccountRef } from '../../src/domain/names.js';
import type { MigrationInput, ServiceAccountRef } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { MigrationRequestError, type MigrationSummary } from '../../src/temporal/migrations.js';
import type { AbortRequest, DecisionRequest, ObservationRequest, Requester } from '../../workflows/messages.js';
import { initialState } from '../../workflows/state.js';

/**
 * `MigrationService` without Temporal, for listener tests and the ack benchmark: it records
 * what the Slack app asked for. The end-to-end tests use the real service instead.
 */
export class StubMigrations implements MigrationsApi {
  readonly starts: MigrationInput[] = [];
  readonly plans: MigrationInput[] = [];
  /** What was decided: who, how, about what. */
  readonly decisions: (Pick<DecisionRequest, 'decision' | 'by' | 'reason'> & { serviceAccount: string })[] = [];
  /** The decision requests as sent (with where they came from and their request id). */
  readonly decisionRequests: DecisionRequest[] = [];
  readonly aborts: { serviceAccount: string; by: string }[] = [];
  readonly controls: (Requester & { action: 'abort' | 'pause' | 'resume'; serviceAccount: string })[] = [];
  readonly refusals: (AuditEntry & { serviceAccount: string })[] = [];
  /** Rollbacks and early ends asked for while observing, as sent. */
  readonly observations: (ObservationRequest & { serviceAccount: string })[] = [];
  readonly states = new Map<string, MigrationState>();
  /** Every call waits on this first: a slow or stuck Temporal. */
  gate: Promise<void> = Promise.resolve();
  /** And then takes this long: a slow Temporal. */
  delayMs = 0;
  stagedPlan: MigrationPlan | undefined;

  private async wait(): Promise<void> {
    await this.gate;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }

  url(workflowId: string): string {
    return `http://temporal-ui/${encodeURIComponent(workflowId)}`;
  }

  /** Ends a run as the workflow would, so the service account may be started again. */
  close(sa: ServiceAccountRef, phase: MigrationPhase = 'RolledBack'): void {
    const state = this.states.get(workflowIdFor(sa));
    if (state) state.phase = phase;
  }

  async start(input: MigrationInput): Promise<{ workflowId: string; runId: string; url: string }> {
    await this.wait();
    const workflowId = workflowIdFor(input.serviceAccount);
    const running = this.states.get(workflowId);
    if (running && !isTerminalPhase(running.phase)) {
      throw new MigrationRequestError(
        `a migration of ${formatServiceAccountRef(input.serviceAccount)} is already running`,
        'already-running',
        workflowId,
      );
    }
    this.starts.push(input);
    this.states.set(workflowId, initialState(workflowId, input));
    return { workflowId, runId: `run-${this.starts.length}`, url: this.url(workflowId) };
  }

  async plan(input: MigrationInput): Promise<MigrationPlan> {
    await this.wait();
    this.plans.push(input);
    if (!this.stagedPlan) throw new Error('no plan staged');
    return this.stagedPlan;
  }

  async state(sa: ServiceAccountRef): Promise<MigrationState> {
    await this.wait();
    const state = this.states.get(workflowIdFor(sa));
    if (!state) throw new MigrationRequestError(`no migration of ${formatServiceAccountRef(sa)} found`, 'not-found');
    return structuredClone(state);
  }

  /** Like the workflow's handler: approvals collect; enough distinct ones, or a reject, decide. */
  async decide(sa: ServiceAccountRef, request: DecisionRequest): Promise<MigrationState> {
    const state = await this.state(sa);
    const { decision, by, reason } = request;
    this.decisions.push({
      decision,
      by,
      ...(reason !== undefined && { reason }),
      serviceAccount: formatServiceAccountRef(sa),
    });
    this.decisionRequests.push(request);
    const at = new Date().toISOString();
    const approvals = (state.approvals ??= []);
    if (!approvals.some((a) => a.by === request.by && a.decision === request.decision)) {
      approvals.push({ decision: request.decision, by: request.by, at });
    }
    const outcome = gateOutcome(approvalContextOf(state));
    if (outcome !== 'open') {
      state.decision = { decision: outcome === 'approved' ? 'approve' : 'reject', by: request.by, at };
    }
    this.states.set(state.workflowId, state);
    return state;
  }

  /** Like the workflow's observation Update: refused outside the Observing phase. */
  async observe(sa: ServiceAccountRef, request: ObservationRequest): Promise<MigrationState> {
    const state = await this.state(sa);
    if (state.phase !== 'Observing') {
      throw new MigrationRequestError(
        `${request.action === 'rollback' ? 'rollback' : 'end-observation'} refused: the migration is not observing (phase ${state.phase})`,
        'refused',
      );
    }
    this.observations.push({ ...request, serviceAccount: formatServiceAccountRef(sa) });
    return state;
  }

  async abort(sa: ServiceAccountRef, who: string | AbortRequest): Promise<void> {
    await this.state(sa);
    const request = typeof who === 'string' ? { by: who } : who;
    this.aborts.push({ serviceAccount: formatServiceAccountRef(sa), by: request.by });
    this.controls.push({ ...request, action: 'abort', serviceAccount: formatServiceAccountRef(sa) });
  }

  async pause(sa: ServiceAccountRef, who: string | Requester): Promise<void> {
    await this.state(sa);
    const request = typeof who === 'string' ? { by: who } : who;
    this.controls.push({ ...request, action: 'pause', serviceAccount: formatServiceAccountRef(sa) });
  }

  async resume(sa: ServiceAccountRef, who: string | Requester): Promise<void> {
    await this.state(sa);
    const request = typeof who === 'string' ? { by: who } : who;
    this.controls.push({ ...request, action: 'resume', serviceAccount: formatServiceAccountRef(sa) });
  }

  /** Like the workflow's audit signal: the refusal joins the run's trail. */
  async recordRefusal(sa: ServiceAccountRef, entry: Omit<AuditEntry, 'at'> & { refused: string }): Promise<void> {
    const state = this.states.get(workflowIdFor(sa));
    if (!state) throw new MigrationRequestError(`no migration of ${formatServiceAccountRef(sa)} found`, 'not-found');
    const full = { ...entry, at: new Date().toISOString() };
    (state.audit ??= []).push(full);
    this.refusals.push({ ...full, serviceAccount: formatServiceAccountRef(sa) });
    return Promise.resolve();
  }

  async list(): Promise<MigrationSummary[]> {
    await this.wait();
    return [...this.states.values()].map((s) => ({
      workflowId: s.workflowId,
      runId: 'run-1',
      serviceAccount: formatServiceAccountRef(s.input.serviceAccount),
      phase: s.phase,
      status: 'RUNNING',
      startTime: s.startedAt,
      url: this.url(s.workflowId),
    }));
  }
}

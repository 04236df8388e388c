import type { MigrationsApi } from '../../slack/app.js';
import type { MigrationPlan, MigrationState } from '../../src/domain/migration-state.js';
import { formatServiceAccountRef } from '../../src/domain/names.js';
import type { MigrationInput, ServiceAccountRef } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { MigrationRequestError, type MigrationSummary } from '../../src/temporal/migrations.js';
import type { DecisionRequest } from '../../workflows/messages.js';
import { initialState } from '../../workflows/state.js';

/**
 * `MigrationService` without Temporal, for listener tests and the ack benchmark: it records
 * what the Slack app asked for. The end-to-end tests use the real service instead.
 */
export class StubMigrations implements MigrationsApi {
  readonly starts: MigrationInput[] = [];
  readonly plans: MigrationInput[] = [];
  readonly decisions: (DecisionRequest & { serviceAccount: string })[] = [];
  readonly aborts: { serviceAccount: string; by: string }[] = [];
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

  async start(input: MigrationInput): Promise<{ workflowId: string; runId: string; url: string }> {
    await this.wait();
    const workflowId = workflowIdFor(input.serviceAccount);
    if (this.states.has(workflowId)) {
      throw new MigrationRequestError(
        `a migration of ${formatServiceAccountRef(input.serviceAccount)} is already running`,
        'already-running',
        workflowId,
      );
    }
    this.starts.push(input);
    this.states.set(workflowId, initialState(workflowId, input));
    return { workflowId, runId: 'run-1', url: this.url(workflowId) };
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

  async decide(sa: ServiceAccountRef, request: DecisionRequest): Promise<MigrationState> {
    const state = await this.state(sa);
    this.decisions.push({ ...request, serviceAccount: formatServiceAccountRef(sa) });
    state.decision = { decision: request.decision, by: request.by, at: new Date().toISOString() };
    this.states.set(state.workflowId, state);
    return state;
  }

  async abort(sa: ServiceAccountRef, by: string): Promise<void> {
    await this.state(sa);
    this.aborts.push({ serviceAccount: formatServiceAccountRef(sa), by });
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

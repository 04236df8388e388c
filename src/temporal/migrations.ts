import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { MigrationPlan, MigrationState } from '../domain/migration-state.js';
import { clip } from '../domain/redact.js';
import { formatServiceAccountRef } from '../domain/names.js';
import { checkDurationLimits } from '../domain/option-limits.js';
import { runUrl } from '../domain/run-url.js';
import type { MigrationInput, ServiceAccountRef } from '../domain/types.js';
import { planWorkflowIdFor, workflowIdFor } from '../domain/workflow-id.js';
import type { AuditEntry } from '../domain/migration-state.js';
import {
  abortSignal,
  auditSignal,
  decisionUpdate,
  observationUpdate,
  pauseSignal,
  PLAN_WORKFLOW_TYPE,
  resumeSignal,
  stateQuery,
  WORKFLOW_TYPE,
  type AbortRequest,
  type DecisionRequest,
  type ObservationRequest,
  type Requester,
} from '../../workflows/messages.js';
import {
  ClustersKey,
  MigrationPhaseKey,
  RequestedByKey,
  RoleArnKey,
  ServiceAccountKey,
} from '../../workflows/search-attributes.js';
import { MigrationRequestError } from './migration-request-error.js';

export { MigrationRequestError } from './migration-request-error.js';

export interface MigrationSummary {
  workflowId: string;
  runId: string;
  serviceAccount: string;
  phase: string;
  status: string;
  startTime: string;
  url: string;
}

/** Everything the CLI and the Slack app do with migrations, on a Temporal client. */
export class MigrationService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly uiUrl: string,
    private readonly namespace = 'default',
  ) {}

  url(workflowId: string, runId?: string): string {
    return runUrl(this.uiUrl, this.namespace, workflowId, runId);
  }

  async start(input: MigrationInput): Promise<{ workflowId: string; runId: string; url: string }> {
    // Every entry point (CLI, Slack, scripts) is bounded here too: nothing starts with a typo'd wait.
    checkDurationLimits(input.options);
    const workflowId = workflowIdFor(input.serviceAccount);
    const sa = formatServiceAccountRef(input.serviceAccount);
    try {
      const handle = await this.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `Migrate ${sa} to EKS Pod Identity on ${input.clusters.join(', ')}`,
        staticDetails: clip(
          `Role \`${input.roleArn}\`, requested by ${input.requestedBy}${input.access ? ` under access rule ${input.access.rule}` : ''}, approvers ${input.options.approvers.join(', ')}${(input.options.minApprovals ?? 1) > 1 ? ` (${input.options.minApprovals} needed)` : ''}`,
          2000,
        ),
        typedSearchAttributes: [
          { key: MigrationPhaseKey, value: 'Preflight' },
          { key: ServiceAccountKey, value: sa },
          { key: ClustersKey, value: input.clusters },
          { key: RoleArnKey, value: input.roleArn },
          { key: RequestedByKey, value: input.requestedBy },
        ],
      });
      return { workflowId, runId: handle.firstExecutionRunId, url: this.url(workflowId, handle.firstExecutionRunId) };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new MigrationRequestError(
          `a migration of ${sa} is already running (workflow ${workflowId}): see \`status ${sa}\` or ${this.url(workflowId)}`,
          'already-running',
          workflowId,
        );
      }
      throw err;
    }
  }

  /** Preflight only: runs the plan workflow to completion and returns what would change. */
  async plan(input: MigrationInput): Promise<MigrationPlan> {
    return this.client.workflow.execute<(input: MigrationInput) => Promise<MigrationPlan>>(PLAN_WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: planWorkflowIdFor(input.serviceAccount, randomUUID().slice(0, 8)),
      args: [input],
      staticSummary: `Plan: ${formatServiceAccountRef(input.serviceAccount)} on ${input.clusters.join(', ')}`,
    });
  }

  async state(sa: ServiceAccountRef): Promise<MigrationState> {
    return this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).query(stateQuery));
  }

  /**
   * The decision Update. Its id is the request's id, so Temporal answers a repeat of the
   * same request with the first outcome. A refusal by the validator is recorded in the
   * run's audit trail (a validator itself cannot record anything).
   */
  async decide(sa: ServiceAccountRef, request: DecisionRequest): Promise<MigrationState> {
    return this.wrap(sa, async () => {
      const handle = this.client.workflow.getHandle(workflowIdFor(sa));
      try {
        return await handle.executeUpdate(decisionUpdate, {
          args: [request],
          ...(request.requestId && { updateId: request.requestId }),
        });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          const why = err.cause?.message ?? err.message;
          const { decision, by, via, channel, requestId } = request;
          await this.recordRefusal(sa, { action: decision, by, via, channel, requestId, refused: why }).catch(
            () => undefined,
          );
          throw new MigrationRequestError(`${request.decision} refused: ${why}`, 'refused');
        }
        throw err;
      }
    });
  }

  /**
   * While the run observes: roll back to IRSA, or end the observation early (the observation
   * Update; its id is the request's, as for decisions). A refusal is recorded in the audit trail.
   */
  async observe(sa: ServiceAccountRef, request: ObservationRequest): Promise<MigrationState> {
    return this.wrap(sa, async () => {
      const handle = this.client.workflow.getHandle(workflowIdFor(sa));
      try {
        return await handle.executeUpdate(observationUpdate, {
          args: [request],
          ...(request.requestId && { updateId: request.requestId }),
        });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          const why = err.cause?.message ?? err.message;
          const { by, via, channel, requestId } = request;
          const action = request.action === 'rollback' ? 'rollback' : 'end-observation';
          await this.recordRefusal(sa, { action, by, via, channel, requestId, refused: why }).catch(() => undefined);
          throw new MigrationRequestError(`${action} refused: ${why}`, 'refused');
        }
        throw err;
      }
    });
  }

  async pause(sa: ServiceAccountRef, who: string | Requester): Promise<void> {
    const request = typeof who === 'string' ? { by: who } : who;
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(pauseSignal, request));
  }

  async resume(sa: ServiceAccountRef, who: string | Requester): Promise<void> {
    const request = typeof who === 'string' ? { by: who } : who;
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(resumeSignal, request));
  }

  async abort(sa: ServiceAccountRef, who: string | AbortRequest, reason?: string): Promise<void> {
    const request: AbortRequest = typeof who === 'string' ? { by: who, ...(reason && { reason }) } : who;
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(abortSignal, request));
  }

  /** Keeps a refused attempt in the run's audit trail (the run must exist). */
  async recordRefusal(sa: ServiceAccountRef, entry: Omit<AuditEntry, 'at'> & { refused: string }): Promise<void> {
    const full: AuditEntry = { ...entry, at: new Date().toISOString() };
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(auditSignal, full));
  }

  /** Waits for the run to close and returns its final state (also for runs that ended RollbackFailed). */
  async result(sa: ServiceAccountRef): Promise<MigrationState> {
    const handle = this.client.workflow.getHandle(workflowIdFor(sa));
    try {
      return (await handle.result()) as MigrationState;
    } catch {
      return handle.query(stateQuery);
    }
  }

  async list(options: { runningOnly?: boolean; limit?: number } = {}): Promise<MigrationSummary[]> {
    const query = `WorkflowType = '${WORKFLOW_TYPE}'${options.runningOnly ? " AND ExecutionStatus = 'Running'" : ''}`;
    const out: MigrationSummary[] = [];
    for await (const wf of this.client.workflow.list({ query })) {
      out.push({
        workflowId: wf.workflowId,
        runId: wf.runId,
        serviceAccount: String(wf.typedSearchAttributes.get(ServiceAccountKey) ?? wf.workflowId),
        phase: String(wf.typedSearchAttributes.get(MigrationPhaseKey) ?? 'unknown'),
        status: wf.status.name,
        startTime: wf.startTime.toISOString(),
        url: this.url(wf.workflowId, wf.runId),
      });
      if (out.length >= (options.limit ?? 100)) break;
    }
    return out;
  }

  private async wrap<T>(sa: ServiceAccountRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new MigrationRequestError(`no migration of ${formatServiceAccountRef(sa)} found`, 'not-found');
      }
      throw err;
    }
  }
}

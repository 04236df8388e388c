import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { MigrationPlan, MigrationState } from '../domain/migration-state.js';
import { formatServiceAccountRef } from '../domain/names.js';
import { checkDurationLimits } from '../domain/option-limits.js';
import { runUrl } from '../domain/run-url.js';
import type { MigrationInput, ServiceAccountRef } from '../domain/types.js';
import { planWorkflowIdFor, workflowIdFor } from '../domain/workflow-id.js';
import {
  abortSignal,
  decisionUpdate,
  pauseSignal,
  PLAN_WORKFLOW_TYPE,
  resumeSignal,
  stateQuery,
  WORKFLOW_TYPE,
  type DecisionRequest,
} from '../../workflows/messages.js';
import {
  ClustersKey,
  MigrationPhaseKey,
  RequestedByKey,
  RoleArnKey,
  ServiceAccountKey,
} from '../../workflows/search-attributes.js';

/** A user-facing refusal (already running, not found, refused decision): the message says why. */
export class MigrationRequestError extends Error {
  override readonly name = 'MigrationRequestError';
  constructor(
    message: string,
    readonly code: 'already-running' | 'not-found' | 'refused',
    readonly workflowId?: string,
  ) {
    super(message);
  }
}

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
        staticDetails: `Role \`${input.roleArn}\`, requested by ${input.requestedBy}, approvers ${input.options.approvers.join(', ')}`,
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

  async decide(sa: ServiceAccountRef, request: DecisionRequest): Promise<MigrationState> {
    return this.wrap(sa, async () => {
      try {
        return await this.client.workflow
          .getHandle(workflowIdFor(sa))
          .executeUpdate(decisionUpdate, { args: [request] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new MigrationRequestError(
            `${request.decision} refused: ${err.cause?.message ?? err.message}`,
            'refused',
          );
        }
        throw err;
      }
    });
  }

  async pause(sa: ServiceAccountRef, by: string): Promise<void> {
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(pauseSignal, { by }));
  }

  async resume(sa: ServiceAccountRef, by: string): Promise<void> {
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(resumeSignal, { by }));
  }

  async abort(sa: ServiceAccountRef, by: string, reason?: string): Promise<void> {
    await this.wrap(sa, () => this.client.workflow.getHandle(workflowIdFor(sa)).signal(abortSignal, { by, reason }));
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

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import { FailureType } from '../../src/domain/failure-types.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { abortSignal, WORKFLOW_TYPE } from '../messages.js';
import type { migrationWorkflow } from '../migration/workflow.js';
import {
  CampaignIdKey,
  ClustersKey,
  MigrationPhaseKey,
  RequestedByKey,
  RoleArnKey,
  ServiceAccountKey,
} from '../search-attributes.js';
import { nowIso } from '../state.js';
import type { CampaignRun, ChildEnd } from './run.js';

/** The migration's input: the campaign's options and approvers, its Slack thread, and the wave's approval. */
function migrationInputOf(run: CampaignRun, index: number): MigrationInput {
  const { input, state } = run;
  const item = input.items[index];
  if (!item) throw new Error(`no campaign item ${index}`);
  const approval = input.approval === 'wave' ? state.approvals.find((a) => a.wave === item.wave) : undefined;
  const slack = state.slackThread;
  return {
    serviceAccount: item.serviceAccount,
    roleArn: item.roleArn,
    clusters: item.clusters,
    requestedBy: input.requestedBy,
    options: { ...input.options, approvers: input.approvers },
    ...(slack?.threadTs && {
      notify: {
        slack: { channel: slack.channel, campaignTs: slack.threadTs, ...(slack.teamId && { teamId: slack.teamId }) },
      },
    }),
    campaign: {
      campaignId: input.campaignId,
      workflowId: state.workflowId,
      wave: item.wave,
      ...(approval && {
        approval: {
          by: approval.by,
          at: approval.at,
          reason: `wave ${approval.wave} of campaign ${input.campaignId} approved${approval.reason ? `: ${approval.reason}` : ''}`,
        },
      }),
    },
  };
}

/** How a migration that returned ended. */
function endOf(state: MigrationState): ChildEnd {
  return {
    outcome: state.phase,
    ...(state.failure && { failure: `${state.failure.type}: ${state.failure.message}` }),
    ...(state.slackThread?.campaignTs && state.slackThread.threadTs && { slackTs: state.slackThread.threadTs }),
  };
}

/** How a migration that failed ended: RollbackFailed (the only failure it raises), or gone without a result. */
function failedEnd(err: unknown): ChildEnd {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === FailureType.RollbackFailed) {
    return { outcome: 'RollbackFailed', failure: cause.message };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { outcome: 'Terminated', failure: `ended without a result (${message}): it may be half migrated` };
}

/**
 * Starts the migration of item `index` as a child workflow (the same id a manual start
 * would get, so one service account never runs twice) and records its end when it comes.
 * A child outlives a cancelled campaign only to be asked to cancel: it rolls back.
 */
export async function startMigration(run: CampaignRun, index: number): Promise<void> {
  const child = run.state.children[index];
  if (!child) return;
  const input = migrationInputOf(run, index);
  const sa = `${input.serviceAccount.namespace}/${input.serviceAccount.name}`;
  child.status = 'running';
  child.startedAt = nowIso();
  run.changed();
  try {
    const handle = await CancellationScope.nonCancellable(() =>
      startChild<typeof migrationWorkflow>(WORKFLOW_TYPE, {
        workflowId: workflowIdFor(input.serviceAccount),
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Migrate ${sa} to EKS Pod Identity on ${input.clusters.join(', ')} (campaign ${run.input.campaignId}, wave ${input.campaign?.wave ?? ''})`,
        staticDetails: `Role \`${input.roleArn}\`, requested by ${input.requestedBy}, approvers ${input.options.approvers.join(', ')}`,
        typedSearchAttributes: [
          { key: MigrationPhaseKey, value: 'Preflight' },
          { key: ServiceAccountKey, value: sa },
          { key: ClustersKey, value: input.clusters },
          { key: RoleArnKey, value: input.roleArn },
          { key: RequestedByKey, value: input.requestedBy },
          { key: CampaignIdKey, value: run.input.campaignId },
        ],
      }),
    );
    child.runId = handle.firstExecutionRunId;
    run.handles.set(index, handle);
    run.changed();
    void handle.result().then(
      (state) => run.childEnded(index, endOf(state)),
      (err: unknown) => run.childEnded(index, failedEnd(err)),
    );
  } catch (err) {
    const failure =
      err instanceof WorkflowExecutionAlreadyStartedError
        ? `not started: a migration of ${sa} is already running (${workflowIdFor(input.serviceAccount)})`
        : `not started: ${err instanceof Error ? err.message : String(err)}`;
    run.childEnded(index, { outcome: 'Skipped', failure });
  }
}

/**
 * Abort: what has not started never will; what runs is asked to abort (it rolls back);
 * what has finished is left alone. Returns once nothing runs.
 */
export async function abortMigrations(run: CampaignRun): Promise<void> {
  const { state } = run;
  const by = state.abortRequested?.by ?? 'unknown';
  const reason = `campaign ${run.input.campaignId} aborted by ${by}${state.abortRequested?.reason ? `: ${state.abortRequested.reason}` : ''}`;
  state.children.forEach((child, i) => {
    if (child.status === 'pending')
      run.childEnded(i, { outcome: 'Skipped', failure: 'not started: the campaign was aborted' });
  });
  await Promise.all(
    run.running().map(async (i) => {
      try {
        await run.handles.get(i)?.signal(abortSignal, { by, reason });
      } catch {
        // Ended meanwhile: its end is on its way.
      }
    }),
  );
}

import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { CampaignInput, CampaignState } from '../domain/campaign.js';
import { campaignListUrl, runUrl } from '../domain/run-url.js';
import {
  abortCampaignSignal,
  approveWaveUpdate,
  CAMPAIGN_WORKFLOW_TYPE,
  campaignStateQuery,
  campaignWorkflowId,
  pauseCampaignSignal,
  resumeCampaignSignal,
  type WaveApprovalRequest,
} from '../../workflows/campaign/messages.js';
import { CampaignIdKey, RequestedByKey } from '../../workflows/search-attributes.js';
import { MigrationRequestError } from './migrations.js';

export interface StartedCampaign {
  campaignId: string;
  workflowId: string;
  runId: string;
  url: string;
}

/** Everything the CLI and the Slack app do with campaigns, on a Temporal client. */
export class CampaignService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly uiUrl: string,
    private readonly namespace = 'default',
  ) {}

  url(campaignId: string, runId?: string): string {
    return runUrl(this.uiUrl, this.namespace, campaignWorkflowId(campaignId), runId);
  }

  /** Every run of the campaign and its migrations, in the Temporal UI's list. */
  listUrl(campaignId: string): string {
    return campaignListUrl(this.uiUrl, this.namespace, campaignId);
  }

  /** A migration's run (one the campaign started). */
  migrationUrl(workflowId: string, runId?: string): string {
    return runUrl(this.uiUrl, this.namespace, workflowId, runId);
  }

  async start(input: CampaignInput): Promise<StartedCampaign> {
    const workflowId = campaignWorkflowId(input.campaignId);
    const waves = new Set(input.items.map((i) => i.wave)).size;
    try {
      const handle = await this.client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Campaign ${input.campaignId}: ${input.items.length} service account(s) in ${waves} wave(s) to EKS Pod Identity`,
        staticDetails: `Requested by ${input.requestedBy}; approval per ${input.approval} by ${input.approvers.join(', ')}; ${input.limits.concurrency} at once, ${input.limits.perCluster} per cluster, one per role; failure budget ${input.limits.failureBudget}`,
        typedSearchAttributes: [
          { key: CampaignIdKey, value: input.campaignId },
          { key: RequestedByKey, value: input.requestedBy },
        ],
      });
      return {
        campaignId: input.campaignId,
        workflowId,
        runId: handle.firstExecutionRunId,
        url: this.url(input.campaignId, handle.firstExecutionRunId),
      };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new MigrationRequestError(
          `a campaign ${input.campaignId} exists already (workflow ${workflowId}): choose another --id`,
          'already-running',
          workflowId,
        );
      }
      throw err;
    }
  }

  async state(campaignId: string): Promise<CampaignState> {
    return this.wrap(campaignId, () =>
      this.client.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignStateQuery),
    );
  }

  async approve(campaignId: string, request: WaveApprovalRequest): Promise<CampaignState> {
    return this.wrap(campaignId, async () => {
      try {
        return await this.client.workflow
          .getHandle(campaignWorkflowId(campaignId))
          .executeUpdate(approveWaveUpdate, { args: [request] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new MigrationRequestError(`approval refused: ${err.cause?.message ?? err.message}`, 'refused');
        }
        throw err;
      }
    });
  }

  async pause(campaignId: string, by: string, reason?: string): Promise<void> {
    await this.wrap(campaignId, () =>
      this.client.workflow
        .getHandle(campaignWorkflowId(campaignId))
        .signal(pauseCampaignSignal, { by, ...(reason ? { reason } : {}) }),
    );
  }

  async resume(campaignId: string, by: string): Promise<void> {
    await this.wrap(campaignId, () =>
      this.client.workflow.getHandle(campaignWorkflowId(campaignId)).signal(resumeCampaignSignal, { by }),
    );
  }

  async abort(campaignId: string, by: string, reason?: string): Promise<void> {
    await this.wrap(campaignId, () =>
      this.client.workflow
        .getHandle(campaignWorkflowId(campaignId))
        .signal(abortCampaignSignal, { by, ...(reason ? { reason } : {}) }),
    );
  }

  /** Waits for the campaign to end (through every continue-as-new) and returns its final state. */
  async result(campaignId: string): Promise<CampaignState> {
    return this.wrap(
      campaignId,
      () => this.client.workflow.getHandle(campaignWorkflowId(campaignId)).result() as Promise<CampaignState>,
    );
  }

  private async wrap<T>(campaignId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new MigrationRequestError(`no campaign ${campaignId} found`, 'not-found');
      }
      throw err;
    }
  }
}

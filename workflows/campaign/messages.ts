/**
 * The campaign workflow's type and messages, defined once for the worker, the CLI and the
 * Slack app. Never use the raw names elsewhere.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignState } from '../../src/domain/campaign.js';

export const CAMPAIGN_WORKFLOW_TYPE = 'campaignWorkflow';
export const CAMPAIGN_WORKFLOW_ID_PREFIX = 'migrate-identity-campaign';

export function campaignWorkflowId(campaignId: string): string {
  return `${CAMPAIGN_WORKFLOW_ID_PREFIX}/${campaignId}`;
}

export interface WaveApprovalRequest {
  /** Slack user id or CLI user name. */
  by: string;
  /** The wave meant; refused unless it is the one waiting. Unset: the one waiting. */
  wave?: number;
  reason?: string;
}

/** Every migration of the campaign with its progress, the approvals, the pause and abort. */
export const campaignStateQuery = defineQuery<CampaignState>('campaignState');

/** Approve the wave waiting for approval (per-wave campaigns): its migrations start, and their cleanups are approved. */
export const approveWaveUpdate = defineUpdate<CampaignState, [WaveApprovalRequest]>('approveWave');

/** No new migration starts; those running go on. */
export const pauseCampaignSignal = defineSignal<[{ by: string; reason?: string }]>('pauseCampaign');
/** Starts migrations again, and counts the failure budget from zero. */
export const resumeCampaignSignal = defineSignal<[{ by: string }]>('resumeCampaign');
/** No new migration starts; those running are aborted (and roll back); finished ones are left alone. */
export const abortCampaignSignal = defineSignal<[{ by: string; reason?: string }]>('abortCampaign');

/**
 * Sent by a migration the campaign started when it enters its Observing phase: its changes
 * are done, so it holds no concurrency or cluster cap (only its role) and its wave is over; the campaign still waits for its end.
 */
export const migrationObservingSignal = defineSignal<[{ workflowId: string }]>('migrationObserving');

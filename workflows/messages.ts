/**
 * The migration workflow's messages, defined once and imported by the worker, the
 * CLI and the Slack app. Never use the raw names elsewhere.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MigrationState } from '../src/domain/migration-state.js';

export const WORKFLOW_TYPE = 'migrationWorkflow';
export const PLAN_WORKFLOW_TYPE = 'planWorkflow';

export interface DecisionRequest {
  decision: 'approve' | 'reject';
  /** Slack user id or CLI user name. */
  by: string;
  reason?: string;
}

export interface AbortRequest {
  by: string;
  reason?: string;
}

/** The whole migration state: phase, per-cluster steps, findings, approvals, rollback note. */
export const stateQuery = defineQuery<MigrationState>('state');

/** Approve or reject cleanup. The validator refuses non-approvers, the requester, and decisions outside AwaitingApproval. */
export const decisionUpdate = defineUpdate<MigrationState, [DecisionRequest]>('decision');

/** Pause takes effect at the next step boundary; timers already running keep running. */
export const pauseSignal = defineSignal<[{ by: string }]>('pause');
export const resumeSignal = defineSignal<[{ by: string }]>('resume');
/** Abort stops at the next step boundary (or interrupts a wait) and rolls back. */
export const abortSignal = defineSignal<[AbortRequest]>('abort');
/** The Slack app tells the workflow where its parent message is once posted. */
export const notifyTargetSignal = defineSignal<[{ channel: string; threadTs: string }]>('notifyTarget');

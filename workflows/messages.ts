/**
 * The migration workflow's messages, defined once and imported by the worker, the
 * CLI and the Slack app. Never use the raw names elsewhere.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AuditEntry, MigrationState } from '../src/domain/migration-state.js';
import type { RequestOrigin } from '../src/domain/types.js';
import { STATE_QUERY_NAME } from './query-names.js';

export const WORKFLOW_TYPE = 'migrationWorkflow';
export const PLAN_WORKFLOW_TYPE = 'planWorkflow';

/** Who asks, and from where: recorded in the run's audit trail. A repeated `requestId` acts once. */
export interface Requester extends Partial<RequestOrigin> {
  /** Slack user id or CLI user name. */
  by: string;
}

export interface DecisionRequest extends Requester {
  decision: 'approve' | 'reject';
  reason?: string;
}

export interface AbortRequest extends Requester {
  reason?: string;
}

/** During the Observing phase: `rollback` restores IRSA exactly; `end` ends the phase early (the run completes). */
export interface ObservationRequest extends Requester {
  action: 'rollback' | 'end';
  reason?: string;
}

/** The whole migration state: phase, per-cluster steps, findings, approvals, audit trail, rollback note. */
export const stateQuery = defineQuery<MigrationState>(STATE_QUERY_NAME);

/**
 * Approve or reject cleanup. The validator refuses non-approvers, the requester approving,
 * and decisions outside AwaitingApproval. The gate closes on the run's minimum of distinct
 * approvals or on any reject; the same approver twice, or the same request twice, counts once.
 */
export const decisionUpdate = defineUpdate<MigrationState, [DecisionRequest]>('decision');

/**
 * Roll back, or end the observation early: an explicit, recorded decision (audit trail and
 * `state.observation`). The validator refuses it outside the Observing phase and after one
 * was taken; who may take it (the operate rule of the access policy) the Slack app and the
 * CLI check first, as for an abort.
 */
export const observationUpdate = defineUpdate<MigrationState, [ObservationRequest]>('observation');

/** Pause takes effect at the next step boundary; timers already running keep running. */
export const pauseSignal = defineSignal<[Requester]>('pause');
export const resumeSignal = defineSignal<[Requester]>('resume');
/** Abort stops at the next step boundary (or interrupts a wait) and rolls back. */
export const abortSignal = defineSignal<[AbortRequest]>('abort');
/** The Slack app tells the workflow where its parent message is once posted. */
export const notifyTargetSignal = defineSignal<[{ channel: string; threadTs: string }]>('notifyTarget');
/**
 * An attempt the Slack app or the CLI refused (an Update validator cannot record
 * anything): kept in the run's audit trail. Only refusals are accepted.
 */
export const auditSignal = defineSignal<[AuditEntry]>('audit');
